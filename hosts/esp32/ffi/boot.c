/*
 * ESP-IDF calls for rollback and diagnostics, bound to JS through XS FFI (manifest.json "ffi").
 * Small int32_t wrappers so the generated glue's declarations match exactly.
 */
#include <stdint.h>
#include "esp_ota_ops.h"
#include "esp_system.h"

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
