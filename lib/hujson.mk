lib_libmeshcore_a_SOURCES += lib/hujson.c lib/hujson.h
