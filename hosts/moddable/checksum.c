/*
 * CRC-16/ARC (DSMR P1) in C for the Moddable hosts (see checksum.ts): the interpreted table loop
 * cost the dongle about a million instructions per DSMR 5 telegram.
 */
#include <stddef.h> /* first: xs.h expects size_t from the platform headers */
#include <stdint.h>
#include "xsmc.h"

static uint16_t arc_table[256];

static void make_arc_table(void)
{
	for (int n = 0; n < 256; n++) {
		uint16_t c = (uint16_t)n;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xA001) : (uint16_t)(c >> 1);
		arc_table[n] = c;
	}
}

/* crc16Arc(bytes, start, end): the CRC of bytes[start..end). */
void xs_metertap_crc16_arc(xsMachine *the)
{
	void *data;
	xsUnsignedValue length;
	xsIntegerValue start = xsmcToInteger(xsArg(1));
	xsIntegerValue end = xsmcToInteger(xsArg(2));
	if (!arc_table[1])
		make_arc_table();
	_xsmcGetBuffer(the, &xsArg(0), &data, &length, 0);
	if (start < 0 || end < start || (xsUnsignedValue)end > length)
		xsRangeError("CRC range outside the buffer");
	const uint8_t *bytes = data;
	uint16_t crc = 0;
	for (xsIntegerValue i = start; i < end; i++)
		crc = (uint16_t)((crc >> 8) ^ arc_table[(crc ^ bytes[i]) & 0xFF]);
	xsmcSetInteger(xsResult, crc);
}
