/*
 * What XS holds live: slots and chunks in use right after a full collection. The free system heap
 * drops in steps whenever XS decides to grow (creation.static 0), so it cannot tell a leak from
 * that policy; this figure can.
 */
#include "xsAll.h"
#include "xs.h"

void xs_metertap_xs_live(xsMachine *the)
{
	xsCollectGarbage();
	xsResult = xsInteger((xsIntegerValue)(the->currentChunksSize + the->currentHeapCount * sizeof(txSlot)));
}
