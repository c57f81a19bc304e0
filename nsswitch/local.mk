# libnss_mesh.so.2: a thin module over lib/libuserdb_pic.la, libc only, no
# sanitizers (see lib/userdb.mk), exporting only _nss_mesh_*.
nss_LTLIBRARIES = nsswitch/libnss_mesh.la
nsswitch_libnss_mesh_la_SOURCES = nsswitch/nss_mesh.c
nsswitch_libnss_mesh_la_CFLAGS = $(WARN_CFLAGS) $(HARDEN_CFLAGS)
nsswitch_libnss_mesh_la_LDFLAGS = -module -avoid-version -shared -no-undefined \
	-Wl,--version-script=$(top_srcdir)/nsswitch/nss_mesh.sym -Wl,-z,relro,-z,now
nsswitch_libnss_mesh_la_LIBADD = lib/libuserdb_pic.la
EXTRA_nsswitch_libnss_mesh_la_DEPENDENCIES = $(top_srcdir)/nsswitch/nss_mesh.sym
EXTRA_DIST += nsswitch/nss_mesh.sym

# glibc loads libnss_NAME.so.2; libtool has no notion of that suffix.
install-exec-hook: install-nss-mesh
install-nss-mesh:
	cd $(DESTDIR)$(nssdir) && mv -f libnss_mesh.so libnss_mesh.so.2 && rm -f libnss_mesh.la
uninstall-hook: uninstall-nss-mesh
uninstall-nss-mesh:
	rm -f $(DESTDIR)$(nssdir)/libnss_mesh.so.2
.PHONY: install-nss-mesh uninstall-nss-mesh
