# libmeshcore: what several programs share (errors, logging, careful file I/O,
# HuJSON, netmap, policy, config).  Internal and static; the NSS and PAM
# modules do not link it (they must pull in libc and libpam only).
noinst_LIBRARIES += lib/libmeshcore.a
lib_libmeshcore_a_SOURCES = \
	lib/error.c lib/error.h \
	lib/log.c lib/log.h \
	lib/fileio.c lib/fileio.h \
	lib/conf.c lib/conf.h
lib_libmeshcore_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS)
MESHCORE_LIBS = lib/libmeshcore.a $(JANSSON_LIBS) $(SODIUM_LIBS)
