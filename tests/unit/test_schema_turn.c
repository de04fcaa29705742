/* test_schema_turn.c: the turns in which commits running on several
 * threads read and save the job's schema file (sink/schema_file.h). The
 * threads start in the reverse of their tickets' order, so only the turns
 * can put their sections in order; nothing waits on time. */
#include <pthread.h>

#include "harness.h"
#include "sink/schema_file.h"

#define N 6

struct turn_test {
    struct sluice_schema_turn turn;
    pthread_mutex_t log_mu; /* the log is also written outside a turn */
    int log[4 * N];
    int n_log;
};

struct worker_arg {
    struct turn_test *t;
    uint64_t ticket;
    bool takes_turn; /* false: a commit that never reads the file (NDJSON) */
};

static void note(struct turn_test *t, int what)
{
    pthread_mutex_lock(&t->log_mu);
    t->log[t->n_log++] = what;
    pthread_mutex_unlock(&t->log_mu);
}

static void *worker(void *p)
{
    struct worker_arg *a = p;
    if (a->takes_turn) {
        sluice__schema_turn_wait(&a->t->turn, a->ticket);
        note(a->t, 100 + (int)a->ticket); /* entered its section */
        note(a->t, 200 + (int)a->ticket); /* about to leave it */
    }
    sluice__schema_turn_pass(&a->t->turn, a->ticket);
    return NULL;
}

static void run_workers(struct turn_test *t, const bool *takes)
{
    pthread_t th[N];
    struct worker_arg args[N];
    for (int i = N - 1; i >= 0; i--) {
        args[i] = (struct worker_arg){t, (uint64_t)i, takes[i]};
        pthread_create(&th[i], NULL, worker, &args[i]);
    }
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
}

/* The position of `what` in the log, -1 when absent. */
static int at(const struct turn_test *t, int what)
{
    for (int i = 0; i < t->n_log; i++)
        if (t->log[i] == what)
            return i;
    return -1;
}

static void test_sections_run_in_ticket_order(void)
{
    struct turn_test t = {.n_log = 0};
    ASSERT_EQ(sluice__schema_turn_init(&t.turn), SLUICE_OK);
    pthread_mutex_init(&t.log_mu, NULL);
    const bool takes[N] = {true, true, true, true, true, true};
    run_workers(&t, takes);
    ASSERT_EQ(t.n_log, 2 * N);
    /* the sections one after another, in ticket order: the log is
     * enter 0, leave 0, enter 1, leave 1, ... */
    for (int i = 0; i < N; i++) {
        ASSERT_EQ(t.log[2 * i], 100 + i);
        ASSERT_EQ(t.log[2 * i + 1], 200 + i);
    }
    ASSERT_EQ(t.turn.next, (uint64_t)N);
    pthread_mutex_destroy(&t.log_mu);
    sluice__schema_turn_destroy(&t.turn);
}

static void test_a_commit_without_the_file_keeps_its_place(void)
{
    struct turn_test t = {.n_log = 0};
    ASSERT_EQ(sluice__schema_turn_init(&t.turn), SLUICE_OK);
    pthread_mutex_init(&t.log_mu, NULL);
    /* tickets 1 and 4 never read the schema file: they only pass (in
     * their turn: were they to skip it, 2 and 5 would wait forever) */
    const bool takes[N] = {true, false, true, true, false, true};
    run_workers(&t, takes);
    static const int want[] = {100, 200, 102, 202, 103, 203, 105, 205};
    ASSERT_EQ(t.n_log, 8);
    for (int i = 0; i < 8; i++)
        ASSERT_EQ(t.log[i], want[i]);
    ASSERT_TRUE(at(&t, 101) < 0 && at(&t, 104) < 0);
    ASSERT_EQ(t.turn.next, (uint64_t)N);
    pthread_mutex_destroy(&t.log_mu);
    sluice__schema_turn_destroy(&t.turn);
}

static void test_pass_is_idempotent_and_null_is_free(void)
{
    struct sluice_schema_turn turn;
    ASSERT_EQ(sluice__schema_turn_init(&turn), SLUICE_OK);
    sluice__schema_turn_wait(&turn, 0);
    sluice__schema_turn_pass(&turn, 0);
    sluice__schema_turn_pass(&turn, 0); /* an exit path calling it again */
    ASSERT_EQ(turn.next, 1);
    sluice__schema_turn_wait(&turn, 0); /* over: returns at once */
    sluice__schema_turn_wait(&turn, 1);
    sluice__schema_turn_pass(&turn, 1);
    ASSERT_EQ(turn.next, 2);
    sluice__schema_turn_destroy(&turn);
    /* one thread: no turn at all */
    sluice__schema_turn_wait(NULL, 7);
    sluice__schema_turn_pass(NULL, 7);
}

static const struct harness_test TESTS[] = {
    TEST(test_sections_run_in_ticket_order),
    TEST(test_a_commit_without_the_file_keeps_its_place),
    TEST(test_pass_is_idempotent_and_null_is_free),
};
HARNESS_MAIN(TESTS)
