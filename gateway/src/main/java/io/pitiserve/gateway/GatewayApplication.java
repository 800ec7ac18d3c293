package io.pitiserve.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.PropertySource;

/**
 * The piti-serve gateway: REST API v1 for submitting translations, reading their status and
 * cancelling them. Runs on its own ({@code java -jar pitiserve-gateway.jar}) or inside the
 * standalone process ({@code new SpringApplicationBuilder(GatewayApplication.class)}).
 *
 * <p>Its defaults live in {@code pitiserve-gateway-defaults.properties}, not in an
 * {@code application.properties}, so that they survive in a process whose classpath holds other
 * modules' application properties; every default can be overridden the usual ways.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@PropertySource("classpath:pitiserve-gateway-defaults.properties")
public class GatewayApplication {

    public static void main(String[] args) {
        SpringApplication.run(GatewayApplication.class, args);
    }
}
