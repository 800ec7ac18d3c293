package io.pitiserve.gateway.metrics;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The gateway's own Prometheus metrics ({@code pitiserve_gateway_*}); webhooks keep theirs in WebhookMetrics. */
@Configuration(proxyBeanMethods = false)
public class MetricsConfiguration {

    @Bean
    FilterRegistrationBean<SubmissionMetricsFilter> submissionMetricsFilter(MeterRegistry meters) {
        FilterRegistrationBean<SubmissionMetricsFilter> registration =
                new FilterRegistrationBean<>(new SubmissionMetricsFilter(meters));
        registration.addUrlPatterns("/v1/translations");
        // Ahead of the HTTP edge's filter, so that submissions it refuses (401, 429, 503) are counted too.
        registration.setOrder(org.springframework.core.Ordered.HIGHEST_PRECEDENCE + 40);
        return registration;
    }
}
