package io.pitiserve.gateway.api;

import io.pitiserve.gateway.auth.ApiKeyAuthenticator;
import io.pitiserve.gateway.config.EdgeProperties;
import io.pitiserve.gateway.quota.TenantQuotas;

import org.apache.catalina.core.StandardHost;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.tomcat.TomcatContextCustomizer;
import org.springframework.boot.tomcat.TomcatProtocolHandlerCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.HandlerExceptionResolver;
import tools.jackson.core.StreamReadFeature;

/**
 * Wires the HTTP edge: {@link EdgeFilter} ahead of every other filter that could read a body,
 * {@link BodyGuardValve} and {@link ProblemReportValve} into Tomcat, and JSON that refuses
 * duplicate keys.
 */
@Configuration(proxyBeanMethods = false)
public class EdgeConfiguration {

    /** Before Spring's FormContentFilter (which reads form bodies), after character encoding and observation. */
    static final int EDGE_FILTER_ORDER = Ordered.HIGHEST_PRECEDENCE + 50;

    @Bean
    FilterRegistrationBean<EdgeFilter> edgeFilter(ApiKeyAuthenticator authenticator, TenantQuotas quotas,
            @Qualifier("handlerExceptionResolver") HandlerExceptionResolver problems, EdgeProperties properties) {
        FilterRegistrationBean<EdgeFilter> registration = new FilterRegistrationBean<>(
                new EdgeFilter(authenticator, quotas, problems, properties));
        registration.setOrder(EDGE_FILTER_ORDER);
        return registration;
    }

    @Bean
    TomcatContextCustomizer edgeValves(EdgeProperties properties) {
        return context -> {
            context.getPipeline().addValve(new BodyGuardValve(properties.minBodyRate().toBytes(),
                    properties.bodyRateGrace()));
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(ProblemReportValve.class.getName());
            }
        };
    }

    /**
     * A client that sends {@code Expect: 100-continue} is told to send its body only when the
     * application reads it, so a request refused from its headers never has its body sent.
     */
    @Bean
    TomcatProtocolHandlerCustomizer<AbstractHttp11Protocol<?>> continueOnRead() {
        return protocol -> protocol.setContinueResponseTiming("onRead");
    }

    /** {@code {"task": "mask", "task": "sketch"}} is refused, not read as its last member. */
    @Bean
    JsonMapperBuilderCustomizer strictDuplicateKeys() {
        return builder -> builder.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    }
}
