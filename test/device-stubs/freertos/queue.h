#include "FreeRTOS.h"
BaseType_t xQueueReceive(QueueHandle_t queue, void *buffer, TickType_t ticksToWait);
BaseType_t xQueueReset(QueueHandle_t queue);
