/* Moddable's ESP32 host (xs/platforms/esp/xsHost.h): only what p1uart.c uses. Syntax check only. */
#include <stdint.h>
typedef void (*modMessageDeliver)(void *the, void *refcon, uint8_t *message, uint16_t messageLength);
int modMessagePostToMachine(xsMachine *the, uint8_t *message, uint16_t messageLength, modMessageDeliver callback, void *refcon);
