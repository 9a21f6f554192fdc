#ifndef MXR_STATS_CMD_H
#define MXR_STATS_CMD_H
/*
 * The `mxready stats` command (docs/stats.md).
 */

/* Runs the command: argv[0] is "stats".  Returns the exit status (0; 1
 * some input could not be read, with the figures of what was; 2 usage). */
int stats_cmd_main(int argc, char **argv);

#endif
