package io.pitiserve.gateway.tracing;

import io.pitiserve.common.tracing.TracingDefaults;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/** Adds {@link TracingDefaults} under every other property source of the gateway (once per environment). */
public final class TracingEnvironment implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!environment.getPropertySources().contains(TracingDefaults.SOURCE_NAME)) {
            environment.getPropertySources().addLast(new MapPropertySource(TracingDefaults.SOURCE_NAME,
                    TracingDefaults.defaults(environment::getProperty)));
        }
    }
}
