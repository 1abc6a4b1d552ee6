/*
 * Network for the QEMU build: QEMU's esp32c3 machine has no radio but an OpenCores Ethernet MAC
 * (-nic user,model=open_eth), which ESP-IDF drives with CONFIG_ETH_USE_OPENETH. Brings it up
 * with esp_netif and DHCP; lwIP sockets (MQTT, HTTP) then work as over Wi-Fi. Not for boards.
 */
#include "xsmc.h"
#include "esp_eth.h"
#include "esp_eth_mac_openeth.h"
#include "esp_event.h"
#include "esp_netif.h"

static esp_netif_t *gNetif;
static volatile uint32_t gAddress;	/* IPv4, network order; 0 until DHCP answers */

static void got_ip(void *arg, esp_event_base_t base, int32_t id, void *data)
{
	gAddress = ((ip_event_got_ip_t *)data)->ip_info.ip.addr;
}

/* start(): throws with the failing step's name */
void xs_openeth_start(xsMachine *the)
{
	if (gNetif)
		return;
	esp_err_t err = esp_netif_init();
	if (ESP_OK == err) {
		err = esp_event_loop_create_default();
		if (ESP_ERR_INVALID_STATE == err)	/* already created by someone else */
			err = ESP_OK;
	}
	if (ESP_OK != err)
		xsUnknownError("netif init");
	esp_netif_config_t netifConfig = ESP_NETIF_DEFAULT_ETH();
	esp_netif_t *netif = esp_netif_new(&netifConfig);
	eth_mac_config_t macConfig = ETH_MAC_DEFAULT_CONFIG();
	eth_phy_config_t phyConfig = ETH_PHY_DEFAULT_CONFIG();
	phyConfig.autonego_timeout_ms = 100;
	esp_eth_mac_t *mac = esp_eth_mac_new_openeth(&macConfig);
	esp_eth_phy_t *phy = esp_eth_phy_new_generic(&phyConfig);
	esp_eth_config_t ethConfig = ETH_DEFAULT_CONFIG(mac, phy);
	esp_eth_handle_t eth = NULL;
	if (!netif || !mac || !phy || ESP_OK != esp_eth_driver_install(&ethConfig, &eth))
		xsUnknownError("ethernet driver");
	if (ESP_OK != esp_netif_attach(netif, esp_eth_new_netif_glue(eth))
		|| ESP_OK != esp_event_handler_register(IP_EVENT, IP_EVENT_ETH_GOT_IP, got_ip, NULL)
		|| ESP_OK != esp_eth_start(eth))
		xsUnknownError("ethernet start");
	gNetif = netif;
}

/* address(): "a.b.c.d", or undefined before DHCP has answered */
void xs_openeth_address(xsMachine *the)
{
	uint32_t a = gAddress;
	if (!a)
		return;
	char text[16];
	esp_ip4addr_ntoa((const esp_ip4_addr_t *)&a, text, sizeof(text));
	xsmcSetString(xsResult, text);
}
