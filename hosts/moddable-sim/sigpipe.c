/*
 * Moddable's desktop sockets write without MSG_NOSIGNAL: a browser that closes a connection while
 * the page is still being sent raises SIGPIPE, whose default action ends the whole simulator.
 * Ignored, the write fails with EPIPE and only that connection ends.
 */
#include <signal.h>
#include "xs.h"

void xs_metertap_ignore_sigpipe(xsMachine *the)
{
	signal(SIGPIPE, SIG_IGN);
}
