/*
 * Configuration reload (SIGHUP) for the mxready daemons: the current conf
 * behind a mutex, replaced ones kept until exit so that no thread reads
 * freed memory, the start-up-only settings that a reload cannot change
 * logged, and the service state sent to systemd (sd_notify(3); the
 * notification protocol of systemd.service(5) Type=notify).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "reload.h"
#include "vlog.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static conf *current;
static conf **retired;
static size_t n_retired;

void reload_init(conf *cf)
{
	pthread_mutex_lock(&lock);
	current = cf;
	pthread_mutex_unlock(&lock);
}

const conf *reload_current(void)
{
	pthread_mutex_lock(&lock);
	const conf *c = current;
	pthread_mutex_unlock(&lock);
	return c;
}

/* The settings only start-up reads, by name, and whether a and b differ. */
static void log_start_only(const conf *a, const conf *b)
{
	struct { const char *name; int differs; } s[] = {
		{ "milter_socket", strcmp(a->milter_socket, b->milter_socket) != 0 },
		{ "policy_socket", strcmp(a->policy_socket, b->policy_socket) != 0 },
		{ "user", strcmp(a->user, b->user) != 0 },
		{ "pidfile", strcmp(a->pidfile, b->pidfile) != 0 },
		{ "dns_resolver", a->n_dns_resolver != b->n_dns_resolver ||
		    memcmp(a->dns_resolver, b->dns_resolver, sizeof a->dns_resolver) != 0 },
		{ "dns_trust_anchor", strcmp(a->dns_trust_anchor, b->dns_trust_anchor) != 0 },
		{ "dns_table", strcmp(a->dns_table, b->dns_table) != 0 },
		{ "dns_cache_size", a->dns_cache_size != b->dns_cache_size },
		{ "dns_cache_max_ttl", a->dns_cache_max_ttl != b->dns_cache_max_ttl },
		{ "readiness_cache", a->readiness_cache != b->readiness_cache },
		{ "log_file", strcmp(a->log_file, b->log_file) != 0 },
		{ "syslog_facility", a->syslog_facility != b->syslog_facility },
		{ "log_level", a->log_level != b->log_level },
	};
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		if (s[i].differs)
			vlog_msg(LOG_WARNING, "reload: the new %s takes effect at the next start", s[i].name);
}

void reload_apply(conf *n)
{
	pthread_mutex_lock(&lock);
	conf *old = current;
	conf **r = old ? realloc(retired, (n_retired + 1) * sizeof *retired) : retired;
	if (old && r == NULL) {
		/* cannot keep the old one safely: keep it in force instead */
		pthread_mutex_unlock(&lock);
		vlog_msg(LOG_ERR, "reload: out of memory, keeping the old configuration");
		conf_free(n);
		return;
	}
	retired = r;
	if (old)
		retired[n_retired++] = old;
	current = n;
	pthread_mutex_unlock(&lock);
	if (old)
		log_start_only(old, n);
}

void reload_free_all(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_retired; i++)
		conf_free(retired[i]);
	free(retired);
	retired = NULL;
	n_retired = 0;
	conf_free(current);
	current = NULL;
	pthread_mutex_unlock(&lock);
}

void reload_notify(const char *state)
{
	/* the return value only says whether systemd listens: nothing to do */
	(void)sd_notify(0, state);
}

void reload_finish(conf *n, int ok, const char *path, int explicit_path, const char *err)
{
	if (!ok) {
		vlog_msg(LOG_ERR, "reload failed, keeping the old configuration: %s", err);
		conf_free(n);
	} else {
		reload_apply(n);
		vlog_msg(LOG_NOTICE, "reloaded the configuration %s (authserv-id %s)",
		    explicit_path || access(path, F_OK) == 0 ? path : "(defaults)", n->authserv_id);
	}
	reload_notify("READY=1");
}
