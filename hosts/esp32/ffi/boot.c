/*
 * ESP-IDF calls for rollback and diagnostics, bound to JS through XS FFI (manifest.json "ffi").
 * Small int32_t wrappers so the generated glue's declarations match exactly.
 */
#include <stdint.h>
#include "esp_ota_ops.h"
#include "esp_system.h"
#include "sdkconfig.h"
#include "esp_mac.h"
#include "esp_rom_serial_output.h"
#include "esp_timer.h"
#include "soc/soc_caps.h"

/* 1 while the running image is new and unconfirmed (ESP_OTA_IMG_PENDING_VERIFY). */
int32_t metertap_ota_pending(void)
{
	esp_ota_img_states_t state;
	const esp_partition_t *running = esp_ota_get_running_partition();
	if (!running || ESP_OK != esp_ota_get_state_partition(running, &state))
		return 0;
	return ESP_OTA_IMG_PENDING_VERIFY == state;
}

int32_t metertap_ota_mark_valid(void)
{
	return esp_ota_mark_app_valid_cancel_rollback();
}

/* Does not return when a previous image exists: marks this one invalid and reboots into it. */
int32_t metertap_ota_rollback(void)
{
	return esp_ota_mark_app_invalid_rollback_and_reboot();
}

/* Which app slot is running: 0 for ota_0, 1 for ota_1, -1 for a factory or unknown partition. */
int32_t metertap_ota_slot(void)
{
	const esp_partition_t *running = esp_ota_get_running_partition();
	if (!running || running->subtype < ESP_PARTITION_SUBTYPE_APP_OTA_MIN || running->subtype > ESP_PARTITION_SUBTYPE_APP_OTA_MAX)
		return -1;
	return running->subtype - ESP_PARTITION_SUBTYPE_APP_OTA_MIN;
}

/* Microseconds since boot, wrapping at 2^32 (differences taken modulo 2^32): the compute figure
   per telegram, which under QEMU's -icount counts instructions. */
uint32_t metertap_micros(void)
{
	return (uint32_t)esp_timer_get_time();
}

void metertap_restart(void)
{
	esp_restart();
}

int32_t metertap_reset_reason(void)
{
	return (int32_t)esp_reset_reason();
}

uint32_t metertap_free_heap(void)
{
	return esp_get_free_heap_size();
}

/* The factory MAC from eFuse, readable before any network is up (Net.get("MAC") is not):
   the device id, MQTT client id and topics. High: bytes 0-2, low: bytes 3-5; 0 on failure. */
static uint32_t mac_half(int high)
{
	uint8_t mac[6];
	if (ESP_OK != esp_efuse_mac_get_default(mac))
		return 0;
	const uint8_t *b = high ? mac : mac + 3;
	return ((uint32_t)b[0] << 16) | ((uint32_t)b[1] << 8) | b[2];
}

uint32_t metertap_mac_high(void)
{
	return mac_half(1);
}

uint32_t metertap_mac_low(void)
{
	return mac_half(0);
}

/* Default meter UART: the last high-power UART (UART0 is the console), so UART2 on the ESP32 and
   S3, UART1 on the C3, S2, H2 and C6 (whose third UART is the low-power one). */
int32_t metertap_p1_uart(void)
{
	return SOC_UART_HP_NUM - 1;
}

/* Default RX pin: GPIO16 on the ESP32 (UART2's usual pin); GPIO16 is a flash pin on the C3, so
   GPIO4 on the RISC-V chips. A board sets its own with rx=N. */
int32_t metertap_p1_rx(void)
{
#if CONFIG_IDF_TARGET_ESP32 || CONFIG_IDF_TARGET_ESP32S3
	return 16;
#else
	return 4;
#endif
}

/* trace() reaches UART0 through the ESP-IDF console, which Moddable's release sdkconfig turns off
   (CONFIG_ESP_CONSOLE_NONE); then log lines go through the ROM's serial output instead. Debug
   builds speak the xsbug protocol there, so trace() alone carries their lines. */
void metertap_console(char *line)
{
#if !mxDebug && CONFIG_ESP_CONSOLE_NONE
	while (*line)
		esp_rom_output_tx_one_char((uint8_t)*line++);
	esp_rom_output_tx_one_char('\n');
#endif
}
