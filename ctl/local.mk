# meshctl: the operator's command line.  One file per command family,
# dispatched from the table in ctl/meshctl.c.
bin_PROGRAMS += ctl/meshctl
ctl_meshctl_SOURCES = ctl/meshctl.c ctl/meshctl.h
ctl_meshctl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS)
ctl_meshctl_LDADD = $(MESHCORE_LIBS)
ctl_meshctl_SOURCES += ctl/cmd_util.c ctl/cmd_util.h ctl/cmd_keys.c ctl/cmd_netmap.c
ctl_meshctl_SOURCES += ctl/cmd_policy.c
ctl_meshctl_SOURCES += ctl/cmd_users.c
# recordings: read back what the shipper delivered (recorder/source.h)
ctl_meshctl_SOURCES += ctl/cmd_recordings.c
ctl_meshctl_LDADD += $(RECORDER_LIBS)
# status, ping: the live tunnel over the WireGuard UAPI socket and ICMP
ctl_meshctl_SOURCES += ctl/cmd_status.c
