package io.pitiserve.gateway.api;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI document's description of the API and its authentication (which the HTTP edge,
 * {@link EdgeFilter}, enforces on every {@code /v1} route).
 */
@Configuration(proxyBeanMethods = false)
public class WebConfiguration {

    @Bean
    OpenAPI pitiserveOpenApi() {
        return new OpenAPI()
                .info(new Info().title("piti-serve API").version("v1")
                        .description("PITI image-to-image translation as asynchronous jobs. Errors are RFC 9457"
                                + " Problem Details with a stable 'code' member."))
                .components(new Components().addSecuritySchemes("apiKey",
                        new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                                .description("Authorization: Bearer <api key>")))
                .addSecurityItem(new SecurityRequirement().addList("apiKey"))
                // Relative, so the document is the same on every host and port.
                .servers(java.util.List.of(new Server().url("/")));
    }
}
