/* scratch_dir.h: a test's own temporary folder (sourced by the sink
 * tests): made with mkdtemp under /tmp, emptied of its files and removed
 * when the test is done. Flat folders only: the sinks write files, not
 * subfolders. */
#ifndef SLUICE_TEST_SCRATCH_DIR_H
#define SLUICE_TEST_SCRATCH_DIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* dir gets "/tmp/sluice-TAG-XXXXXX", made; "" when that failed. */
static inline void scratch_dir_make(char *dir, size_t cap, const char *tag)
{
    snprintf(dir, cap, "/tmp/sluice-%s-XXXXXX", tag);
    if (!mkdtemp(dir))
        dir[0] = '\0';
}

static inline void scratch_dir_remove(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

#endif
