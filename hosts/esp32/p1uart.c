/*
 * P1/HAN UART for the ESP32 on the ESP-IDF UART driver. The stock embedded:io/serial is 8N1
 * only, has no RX inversion and reads the 128-byte FIFO from JS, so it overruns while the VM is
 * busy (TLS handshake, flash erase). Here the driver's ISR fills a ring buffer (>= 4 KB) and a
 * FreeRTOS task wakes the VM with modMessagePostToMachine; JS reads whatever has accumulated.
 * It wakes the VM when the line goes quiet (the driver's RX timeout: a telegram or frame has
 * ended) or once P1UART_WAKE_BYTES wait, not for each FIFO's worth: a DSMR telegram was eight
 * reads and framer scans, 0.3 million instructions on the C3, where one will do.
 */
#include <stddef.h>
#include <stdlib.h>
#include "xsmc.h"
#include "xsHost.h"

#include "driver/uart.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/task.h"

#define P1UART_MIN_BUFFER 4096
#define P1UART_WAKE_BYTES 2048
#define P1UART_EVENTS 16

typedef struct {
	xsMachine *the;
	xsSlot obj;			/* remembered until close(), like Moddable's serial: no GC while open */
	xsSlot callback;		/* onReadable(count) */
	uart_port_t port;
	QueueHandle_t events;
	TaskHandle_t task;
	volatile uint8_t posted;	/* a wake-up is queued to the VM and not yet delivered */
	uint8_t closed;			/* closed with a wake-up still queued: the delivery frees the record */
	volatile uint32_t lineErrors;	/* framing + parity */
	volatile uint32_t overruns;	/* FIFO or ring buffer full: bytes lost */
	uint32_t bytes;
} P1Uart;

void xs_p1uart_destructor(void *data);
static const xsHostHooks p1uartHooks = { xs_p1uart_destructor, NULL, NULL };

static void p1uart_deliver(void *the, void *refcon, uint8_t *message, uint16_t messageLength)
{
	P1Uart *u = refcon;
	size_t count = 0;
	if (u->closed) {
		free(u);
		return;
	}
	u->posted = 0;
	uart_get_buffered_data_len(u->port, &count);
	if (!count)
		return;
	xsBeginHost(u->the);
	xsCallFunction1(u->callback, xsUndefined, xsInteger((xsIntegerValue)count));
	xsEndHost(u->the);
}

static void p1uart_task(void *arg)
{
	P1Uart *u = arg;
	uart_event_t event;
	for (;;) {
		if (!xQueueReceive(u->events, &event, portMAX_DELAY))
			continue;
		switch (event.type) {
		case UART_DATA:
			if (!u->posted && !event.timeout_flag) {
				size_t buffered = 0;
				uart_get_buffered_data_len(u->port, &buffered);
				if (buffered < P1UART_WAKE_BYTES)
					break;
			}
			if (!u->posted) {
				u->posted = 1;
				if (modMessagePostToMachine(u->the, NULL, 0, p1uart_deliver, u))
					u->posted = 0;
			}
			break;
		case UART_FIFO_OVF:
		case UART_BUFFER_FULL:
			/* The driver stops receiving until the buffer is drained: drop it and resynchronise
			   on the next frame, which the decoder does anyway. */
			u->overruns++;
			uart_flush_input(u->port);
			xQueueReset(u->events);
			break;
		case UART_FRAME_ERR:
		case UART_PARITY_ERR:
			u->lineErrors++;
			break;
		default:
			break;
		}
	}
}

static uart_word_length_t word_length(int dataBits)
{
	return 7 == dataBits ? UART_DATA_7_BITS : UART_DATA_8_BITS;
}

static uart_parity_t parity_mode(int parity)
{
	return 2 == parity ? UART_PARITY_EVEN : (1 == parity ? UART_PARITY_ODD : UART_PARITY_DISABLE);
}

static P1Uart *p1uart_get(xsMachine *the)
{
	P1Uart *u = xsmcGetHostDataValidate(xsThis, (void *)&p1uartHooks);
	if (!u)
		xsUnknownError("closed");
	return u;
}

/* new P1Uart(port, receivePin, baud, dataBits, parity (0 none, 1 odd, 2 even), invert, bufferSize, onReadable) */
void xs_p1uart_constructor(xsMachine *the)
{
	int port = xsmcToInteger(xsArg(0));
	int receive = xsmcToInteger(xsArg(1));
	int baud = xsmcToInteger(xsArg(2));
	int dataBits = xsmcToInteger(xsArg(3));
	int parity = xsmcToInteger(xsArg(4));
	int invert = xsmcToBoolean(xsArg(5));
	int bufferSize = xsmcToInteger(xsArg(6));
	if (port < 0 || port >= UART_NUM_MAX || baud < 300 || baud > 1000000 || (7 != dataBits && 8 != dataBits) || parity < 0 || parity > 2)
		xsRangeError("invalid");
	if (bufferSize < P1UART_MIN_BUFFER)
		bufferSize = P1UART_MIN_BUFFER;

	uart_config_t config = {
		.baud_rate = baud,
		.data_bits = word_length(dataBits),
		.parity = parity_mode(parity),
		.stop_bits = UART_STOP_BITS_1,
		.flow_ctrl = UART_HW_FLOWCTRL_DISABLE,
		.source_clk = UART_SCLK_DEFAULT,
	};
	P1Uart *u = calloc(1, sizeof(P1Uart));
	if (!u)
		xsUnknownError("no memory");
	u->the = the;
	u->port = port;
	if (ESP_OK != uart_driver_install(port, bufferSize, 0, P1UART_EVENTS, &u->events, 0)) {
		free(u);
		xsUnknownError("uart busy");
	}
	if (ESP_OK != uart_param_config(port, &config)
		|| ESP_OK != uart_set_pin(port, UART_PIN_NO_CHANGE, receive, UART_PIN_NO_CHANGE, UART_PIN_NO_CHANGE)
		|| ESP_OK != uart_set_line_inverse(port, invert ? UART_SIGNAL_RXD_INV : UART_SIGNAL_INV_DISABLE)
		|| pdPASS != xTaskCreate(p1uart_task, "p1uart", 2560, u, 10, &u->task)) {
		uart_driver_delete(port);
		free(u);
		xsUnknownError("uart setup failed");
	}
	/* A burst that ends on a full FIFO leaves nothing to time out on: keep a byte back so the
	   timeout that ends each burst (and wakes the VM) always comes. */
	uart_set_always_rx_timeout(port, true);
	u->obj = xsThis;
	xsRemember(u->obj);
	u->callback = xsArg(7);
	xsRemember(u->callback);
	xsmcSetHostData(xsThis, u);
	xsSetHostHooks(xsThis, &p1uartHooks);
}

/* Runs only after close(), since the instance is remembered while open. */
void xs_p1uart_destructor(void *data)
{
}

void xs_p1uart_close(xsMachine *the)
{
	P1Uart *u = xsmcGetHostDataValidate(xsThis, (void *)&p1uartHooks);
	if (!u)
		return;
	xsForget(u->callback);
	xsForget(u->obj);
	xsmcSetHostData(xsThis, NULL);
	vTaskDelete(u->task);		/* no new wake-ups after this */
	uart_driver_delete(u->port);
	if (u->posted)
		u->closed = 1;		/* p1uart_deliver frees it */
	else
		free(u);
}

/* read(): every buffered byte as an ArrayBuffer, or undefined when none is */
void xs_p1uart_read(xsMachine *the)
{
	P1Uart *u = p1uart_get(the);
	size_t count = 0;
	uart_get_buffered_data_len(u->port, &count);
	if (!count)
		return;
	xsmcSetArrayBuffer(xsResult, NULL, count);
	int got = uart_read_bytes(u->port, xsmcToArrayBuffer(xsResult), count, 0);
	if (got < 0)
		got = 0;
	/* Shrink in place: allocating a new buffer from a pointer into this one could move it first. */
	if ((size_t)got != count)
		xsmcSetArrayBufferLength(xsResult, got);
	u->bytes += got;
}

/* configure(baud, dataBits, parity, invert): switches line settings while open (auto-detect) */
void xs_p1uart_configure(xsMachine *the)
{
	P1Uart *u = p1uart_get(the);
	int baud = xsmcToInteger(xsArg(0));
	int dataBits = xsmcToInteger(xsArg(1));
	int parity = xsmcToInteger(xsArg(2));
	int invert = xsmcToBoolean(xsArg(3));
	if (baud < 300 || baud > 1000000 || (7 != dataBits && 8 != dataBits) || parity < 0 || parity > 2)
		xsRangeError("invalid");
	if (ESP_OK != uart_set_baudrate(u->port, baud)
		|| ESP_OK != uart_set_word_length(u->port, word_length(dataBits))
		|| ESP_OK != uart_set_parity(u->port, parity_mode(parity))
		|| ESP_OK != uart_set_line_inverse(u->port, invert ? UART_SIGNAL_RXD_INV : UART_SIGNAL_INV_DISABLE))
		xsUnknownError("uart configure failed");
	uart_flush_input(u->port);
}

/* counters(): [bytes, lineErrors, overruns] since open */
void xs_p1uart_counters(xsMachine *the)
{
	P1Uart *u = p1uart_get(the);
	xsmcVars(1);
	xsmcSetNewArray(xsResult, 3);
	xsmcSetInteger(xsVar(0), u->bytes);
	xsmcSetIndex(xsResult, 0, xsVar(0));
	xsmcSetInteger(xsVar(0), u->lineErrors);
	xsmcSetIndex(xsResult, 1, xsVar(0));
	xsmcSetInteger(xsVar(0), u->overruns);
	xsmcSetIndex(xsResult, 2, xsVar(0));
}
