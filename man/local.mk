# man: see Makefile.am
dist_man_MANS += man/meshssh.7
