/* postgres.c: the PostgreSQL sink (output.postgres). Not built yet: the
 * job is refused when its run begins. */
#include "sink/sink.h"

int sluice__sink_postgres_new(const struct sluice_sink_opts *o,
                              const struct sluice_sink_db_opts *d,
                              struct sluice_sink **out)
{
    (void)o;
    (void)d;
    *out = NULL;
    return SLUICE_EINVAL;
}
