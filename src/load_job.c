/* load_job.c: the job a verb names on its command line (a file, --set
 * overrides, or `pull`'s flags turned into --set), loaded with the load's
 * own warnings going to the command's log; a job that does not load ends
 * the command with exit status 2 and the library's file:line:col message. */
#include "cli.h"

int load_job(struct cli_opts *o, struct sluice_job **job)
{
    char err[2048];
    struct sluice_job_opts jo;
    sluice_job_opts_init(&jo);
    jo.path = o->job_path;
    jo.sets = o->sets;
    jo.n_sets = o->n_sets;
    jo.log = msg_log;
    jo.log_ud = o;
    if (sluice_job_load(&jo, job, err, sizeof err) != SLUICE_OK) {
        msg_error("%s", err);
        return EXIT_USAGE;
    }
    return 0;
}
