# man: see Makefile.am
dist_man_MANS += man/meshssh.7
EXTRA_DIST += doc/DESIGN.md doc/STYLE.md
dist_man_MANS += man/meshssh-netmap.5 man/meshctl.8
