/* FreeRTOS types and constants used by p1uart.c. Syntax check only. */
#ifndef STUB_FREERTOS_H
#define STUB_FREERTOS_H
#include <stdint.h>
typedef uint32_t TickType_t;
typedef int BaseType_t;
typedef unsigned int UBaseType_t;
typedef struct QueueDefinition *QueueHandle_t;
typedef struct tskTaskControlBlock *TaskHandle_t;
typedef void (*TaskFunction_t)(void *);
#define pdPASS 1
#define portMAX_DELAY ((TickType_t)0xffffffffUL)
#endif
