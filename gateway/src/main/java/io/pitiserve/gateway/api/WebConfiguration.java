package io.pitiserve.gateway.api;

import io.pitiserve.gateway.auth.ApiKeyInterceptor;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Authentication on every {@code /v1} route, and the OpenAPI document's description of it. */
@Configuration(proxyBeanMethods = false)
public class WebConfiguration implements WebMvcConfigurer {

    private final ApiKeyInterceptor apiKeys;

    public WebConfiguration(ApiKeyInterceptor apiKeys) {
        this.apiKeys = apiKeys;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(apiKeys).addPathPatterns("/v1/**");
    }

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
