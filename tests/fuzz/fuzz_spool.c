/*
 * Fuzz target: what the spool reads back from disk.  A segment file is
 * scanned record by record as recovery and the shipper do (the decoder must
 * reject any damage without reading out of bounds), decoded audit records
 * are rendered for the sinks, cast records are split into lines, and the
 * input as asciicast text goes through cast_normalize (meshctl export).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../recorder/asciicast.h"
#include "../../recorder/sink.h"
#include "../../recorder/source.h"
#include "../../recorder/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spool_record rec;
	struct cast_buf b = {0};
	struct mesh_error err = {0};
	size_t off = 0, used;

	while (off < size && spool_record_decode(data + off, size - off, &rec, &used) == 0) {
		const char *line;
		size_t pos = 0, len;

		if (used < SPOOL_RECORD_OVERHEAD_BYTES || used > size - off)
			abort();
		b.len = 0;
		if (rec.kind == SPOOL_KIND_AUDIT)
			(void)sink_render_audit(&rec, &b);
		else
			while (sink_next_line(&rec, &pos, &line, &len) == 0)
				if (line < (const char *)rec.data ||
				    line + len > (const char *)rec.data + rec.len)
					abort();
		off += used;
	}
	b.len = 0;
	(void)cast_normalize((const char *)data, size, &b, &err);
	cast_buf_free(&b);
	return 0;
}
