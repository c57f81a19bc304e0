/*
 * Fuzz target: HuJSON.  hujson_standardize() must keep the length and every
 * newline (so positions survive), and hujson_parse() must not crash.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hujson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mesh_error err = {0};
	char *copy = malloc(size + 1);
	json_t *j;
	size_t i;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (hujson_standardize(copy, size, &err) == 0)
		for (i = 0; i < size; i++)
			if ((data[i] == '\n') != (copy[i] == '\n'))
				abort();
	free(copy);
	j = hujson_parse((const char *)data, size, &err);
	json_decref(j);
	return 0;
}
