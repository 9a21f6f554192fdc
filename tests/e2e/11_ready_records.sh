#!/bin/sh
# `mxready check` against the DNS test world: the SPF record (RFC 7208), the
# DMARC record (RFC 7489) and DKIM support.  Each scenario domain is well
# configured but for its record, so the other checks must pass.
. "$(dirname "$0")/../lib.sh"
world_env
. "$MXR_TOP/tests/world/ready-lib.sh"

# --- spf_record: exactly one v=spf1 record, ending in -all or ~all (also via
# redirect=), at most 10 DNS-querying terms, at most 2 void lookups.
expect good.xtest pass $(all_pass_but)
field .checks.spf_record.record "v=spf1 mx a:out.good.xtest -all"
field .checks.spf_record.all -all
field .checks.spf_record.lookups 2
field .checks.spf_record.void_lookups 0
# The record is split into two strings, which are concatenated.
expect good3.xtest pass $(all_pass_but)
field .checks.spf_record.record "v=spf1 mx -all"
expect spf-soft.xtest pass $(all_pass_but)
field .checks.spf_record.all "~all"
field .checks.spf_record.lookups 1
expect spf-none.xtest fail $(all_pass_but spf_record=fail)
field .checks.spf_record.record null
expect spf-dup.xtest fail $(all_pass_but spf_record=fail)
expect spf-neutral.xtest fail $(all_pass_but spf_record=fail)
field .checks.spf_record.all "?all"
expect spf-plusall.xtest fail $(all_pass_but spf_record=fail)
field .checks.spf_record.all "+all"
expect spf-noall.xtest fail $(all_pass_but spf_record=fail)
field .checks.spf_record.record "v=spf1 mx"
field .checks.spf_record.all null
expect spf-redirect.xtest pass $(all_pass_but)
field .checks.spf_record.lookups 1
field .checks.spf_record.all -all
expect spf-redirect-neutral.xtest fail $(all_pass_but spf_record=fail)
# 10 DNS-querying terms is the limit; 11 is over.
expect spf-ten.xtest pass $(all_pass_but)
field .checks.spf_record.lookups 10
expect spf-toomany.xtest fail $(all_pass_but spf_record=fail)
field .checks.spf_record.lookups 11
# Void lookups (NXDOMAIN or no address): 2 is the limit; 3 is over.
expect spf-void2.xtest pass $(all_pass_but)
field .checks.spf_record.void_lookups 2
field .checks.spf_record.lookups 2
expect spf-void3.xtest fail $(all_pass_but spf_record=fail)
field .checks.spf_record.void_lookups 3
expect spf-syntax.xtest fail $(all_pass_but spf_record=fail)

# --- dmarc_record: one v=DMARC1 record at _dmarc.<domain>, else at the
# organizational domain; p=quarantine or p=reject.
expect good.xtest pass $(all_pass_but)
field .checks.dmarc_record.policy reject
field .checks.dmarc_record.source domain
field .checks.dmarc_record.record "v=DMARC1; p=reject; rua=mailto:dmarc@good.xtest"
# sub.good.xtest has none: good.xtest's record applies (libpsl: the org
# domain of sub.good.xtest is good.xtest).
expect sub.good.xtest pass $(all_pass_but)
field .checks.dmarc_record.source organizational
field .checks.dmarc_record.policy reject
field .checks.dmarc_record.record "v=DMARC1; p=reject; rua=mailto:dmarc@good.xtest"
expect dmarc-quarantine.xtest pass $(all_pass_but)
field .checks.dmarc_record.policy quarantine
expect dmarc-none.xtest fail $(all_pass_but dmarc_record=fail)
field .checks.dmarc_record.policy none
expect dmarc-missing.xtest fail $(all_pass_but dmarc_record=fail)
field '.checks.dmarc_record.record' null
expect dmarc-dup.xtest fail $(all_pass_but dmarc_record=fail)
# rua= outside the domain's organization needs the receiver's authorisation
# (<domain>._report._dmarc.<receiver> TXT "v=DMARC1", RFC 7489 7.1).
expect dmarc-rua-ext.xtest warn $(all_pass_but dmarc_record=warn)
field '.checks.dmarc_record.external_unauthorized | length' 1
field .checks.dmarc_record.policy reject
expect dmarc-rua-auth.xtest pass $(all_pass_but)
field '.checks.dmarc_record.external_unauthorized // [] | length' 0

# --- dkim_support: _domainkey.<domain> exists (an empty non-terminal counts,
# with NSEC and NSEC3) or not (NXDOMAIN).
expect good.xtest pass $(all_pass_but)
field .checks.dkim_support.name _domainkey.good.xtest
expect good3.xtest pass $(all_pass_but)
expect dkim-none.xtest fail $(all_pass_but dkim_support=fail)

finish
