/* ESP-IDF app_update API (esp_ota_ops.h) as documented: what hosts/esp32/boot.c calls. Syntax check only. */
#include <stdint.h>
typedef int esp_err_t;
#define ESP_OK 0
typedef struct esp_partition_t esp_partition_t;
typedef enum {
	ESP_OTA_IMG_NEW = 0x0, ESP_OTA_IMG_PENDING_VERIFY = 0x1, ESP_OTA_IMG_VALID = 0x2,
	ESP_OTA_IMG_INVALID = 0x3, ESP_OTA_IMG_ABORTED = 0x4, ESP_OTA_IMG_UNDEFINED = 0xFFFFFFFF
} esp_ota_img_states_t;
const esp_partition_t *esp_ota_get_running_partition(void);
esp_err_t esp_ota_get_state_partition(const esp_partition_t *partition, esp_ota_img_states_t *ota_state);
esp_err_t esp_ota_mark_app_valid_cancel_rollback(void);
esp_err_t esp_ota_mark_app_invalid_rollback_and_reboot(void);
