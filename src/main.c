/* main.c: the sluice command's entry point: parse, dispatch to a verb. */
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
    struct cli_opts o;
    int status = cli_parse(argc, argv, &o);
    if (status == 0) {
        if (strcmp(o.verb, "run") == 0 || strcmp(o.verb, "pull") == 0)
            status = cmd_run(&o);
        else if (strcmp(o.verb, "plan") == 0)
            status = cmd_plan(&o);
        else if (strcmp(o.verb, "status") == 0)
            status = cmd_status(&o);
        else if (strcmp(o.verb, "cat") == 0)
            status = cmd_cat(&o);
        else if (strcmp(o.verb, "schema") == 0)
            status = cmd_schema(&o);
        else {
            msg_error("unknown command '%s' (try: sluice help)", o.verb);
            status = EXIT_USAGE;
        }
    }
    cli_opts_cleanup(&o);
    return status < 0 ? EXIT_ALL_DONE : status; /* -1: help/version */
}
