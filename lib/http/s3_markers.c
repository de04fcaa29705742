/* s3_markers.c: the markers of open multipart uploads, and the run's
 * preflight (s3_client.h). A marker, `<staging>/.sluice-s3-upload-<job>.
 * <hex>`, holds an upload's id and key from its create to its complete or
 * abort; a process killed in between leaves it, and the job's next run
 * aborts that upload before anything else. Only this job's markers are
 * read, so another job's uploads are never touched. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/s3_client_int.h"
#include "util/sha256.h"

int sluice__s3_marker_write(struct sluice_s3_client *c, struct up *u)
{
    const char *dir = c->o.dest->staging;
    unsigned char d[SLUICE_SHA256_LEN];
    char hex[2 * SLUICE_SHA256_LEN + 1];
    sluice__sha256(u->upload_id, strlen(u->upload_id), d);
    sluice__hex(d, 8, hex);
    int n = snprintf(u->marker, sizeof u->marker, "%s/" MARKER_PREFIX "%s.%s",
                     dir, c->o.job_name, hex);
    if (n <= 0 || (size_t)n >= sizeof u->marker) {
        u->marker[0] = 0;
        return SLUICE_ETOOBIG;
    }
    mkdir(dir, 0777);
    int fd = open(u->marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        u->marker[0] = 0;
        return SLUICE_EIO;
    }
    struct sluice_buf b;
    sluice__buf_init(&b, 1 << 16);
    int rc = sluice__buf_appendf(&b, "%s\n%s\n", u->upload_id, u->pub->key);
    if (rc == SLUICE_OK && (write(fd, b.p, b.n) != (ssize_t)b.n || fsync(fd)))
        rc = SLUICE_EIO;
    /* The name too must survive a power cut: the folder's fsync. */
    int dfd =
        rc == SLUICE_OK ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (rc == SLUICE_OK && (dfd < 0 || fsync(dfd) != 0))
        rc = SLUICE_EIO;
    if (dfd >= 0)
        close(dfd);
    close(fd);
    sluice__buf_cleanup(&b);
    if (rc != SLUICE_OK) {
        unlink(u->marker);
        u->marker[0] = 0;
    }
    return rc;
}

void sluice__s3_marker_remove(struct up *u)
{
    if (u->marker[0])
        unlink(u->marker);
    u->marker[0] = 0;
}

/* Reads a marker: its upload id and key (caller frees both). */
static bool marker_read(const char *path, char **id, char **key)
{
    char buf[16384];
    *id = *key = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = 0;
    char *nl = strchr(buf, '\n');
    if (!nl)
        return false;
    *nl = 0;
    char *k = nl + 1, *nl2 = strchr(k, '\n');
    if (!nl2 || !*buf || k == nl2)
        return false;
    *nl2 = 0;
    *id = sluice__strdup(buf);
    *key = sluice__strdup(k);
    return *id && *key;
}

int sluice__s3_preflight(struct sluice_s3_client *c, const char *prefix,
                         size_t *aborted, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf q, name;
    struct sluice_s3_upload pub = {0};
    sluice__buf_init(&q, 1 << 16);
    sluice__buf_init(&name, 4096);
    *aborted = 0;

    /* ListMultipartUploads: the query sorted by name, as SigV4 signs it. */
    SLUICE_TRY(sluice__buf_adds(&q, "max-uploads=1&prefix="));
    SLUICE_TRY(sluice__s3_encode(&q, prefix, strlen(prefix), false));
    SLUICE_TRY(sluice__buf_adds(&q, "&uploads="));
    struct up list = {.pub = &pub,
                      .fd = -1,
                      .phase = PH_SINGLE,
                      .query = q.p,
                      .one = {.op = OP_LIST}};
    pub.key = "";
    sluice__s3_drive(c, &list, 1);
    /* Only a refusal of the job itself ends the run here: a store that
     * does not list uploads (or a blip) is met again by the uploads. */
    SLUICE_FAIL_IF(pub.rc != SLUICE_OK && pub.refused_job, SLUICE_EHTTP, err,
                   "the store refused the job: %s", pub.msg);

    DIR *d = opendir(c->o.dest->staging);
    if (!d)
        goto out; /* no staging folder yet: nothing was left open */
    struct dirent *de;
    while ((de = readdir(d))) {
        sluice__buf_reset(&name);
        SLUICE_TRY(
            sluice__buf_appendf(&name, MARKER_PREFIX "%s.", c->o.job_name));
        if (strncmp(de->d_name, name.p, name.n) != 0)
            continue;
        sluice__buf_reset(&name);
        SLUICE_TRY(sluice__buf_appendf(&name, "%s/%s", c->o.dest->staging,
                                       de->d_name));
        char *id = NULL, *key = NULL;
        if (marker_read(name.p, &id, &key)) {
            struct sluice_s3_upload apub = {.key = key};
            struct up ab = {.pub = &apub,
                            .fd = -1,
                            .phase = PH_ABORT,
                            .upload_id = id,
                            .one = {.op = OP_ABORT}};
            sluice__s3_drive(c, &ab, 1);
            if (apub.rc != SLUICE_OK) {
                /* The marker stays for the next run. */
                sluice__err_set(err,
                                "cannot abort the multipart upload a killed "
                                "run left for %s: %s",
                                key, apub.msg);
                sluice__free(id);
                sluice__free(key);
                closedir(d);
                rc = SLUICE_EHTTP;
                goto out;
            }
            (*aborted)++;
        }
        sluice__free(id);
        sluice__free(key);
        unlink(name.p);
    }
    closedir(d);
out:
    sluice__buf_cleanup(&q);
    sluice__buf_cleanup(&name);
    return rc;
}
