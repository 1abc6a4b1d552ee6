#include "FreeRTOS.h"
BaseType_t xTaskCreate(TaskFunction_t code, const char *name, uint32_t stackDepth, void *parameters, UBaseType_t priority, TaskHandle_t *created);
void vTaskDelete(TaskHandle_t task);
