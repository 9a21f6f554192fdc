#ifndef MXR_RELOAD_H
#define MXR_RELOAD_H
/*
 * The configuration in force in a running daemon, replaced on SIGHUP, and
 * the daemon's state reported to systemd (sd_notify, Type=notify units).
 *
 * Threads take the current configuration with reload_current() when they
 * start a unit of work (an SMTP connection, a policy request) and keep that
 * pointer for it.  A reload loads the file into a fresh conf first; only if
 * that succeeds does reload_apply() make it current.  Replaced
 * configurations are kept until reload_free_all() at exit, because a thread
 * may still be reading one: a reload costs one conf of memory.
 *
 * Settings read once at start-up (sockets, user, pidfile, the resolver and
 * its answer cache, logging, the readiness cache's size) keep their old
 * values until the next start; reload_apply() logs which of them changed.
 */
#include "conf.h"

/* Makes cf the current configuration (at start-up; takes ownership). */
void reload_init(conf *cf);
/* The configuration in force now.  Never NULL after reload_init(). */
const conf *reload_current(void);
/* Makes n current (takes ownership) and logs, at warning, each start-up
 * setting that differs from the old configuration's. */
void reload_apply(conf *n);
/* Frees the current and every replaced configuration (at exit, once no
 * thread uses them). */
void reload_free_all(void);

/* Ends a SIGHUP reload: when ok, n becomes current (reload_apply) and the
 * reload is logged with the file read (path, or "(defaults)" when it was
 * not named and does not exist); else n is freed and err logged, the old
 * configuration staying in force.  Tells systemd READY=1 either way. */
void reload_finish(conf *n, int ok, const char *path, int explicit_path, const char *err);

/* sd_notify(3) states: "READY=1", "RELOADING=1", "STOPPING=1" (with
 * STATUS= text).  A no-op when the daemon was not started by systemd
 * (no NOTIFY_SOCKET). */
void reload_notify(const char *state);

#endif
