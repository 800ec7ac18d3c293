package io.pitiserve.gateway.webhook;

import java.util.ArrayList;
import java.util.List;

import java.security.NoSuchAlgorithmException;

import javax.net.ssl.SSLContext;

import io.pitiserve.common.webhook.WebhookTopics;
import io.pitiserve.gateway.config.PitiserveKafkaProperties;

import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;

/** The SSRF guard, the HTTP client and the webhook topics. */
@Configuration(proxyBeanMethods = false)
public class WebhookConfiguration {

    private static final Logger log = LoggerFactory.getLogger(WebhookConfiguration.class);

    /** The guard uses a {@link HostResolver} bean when one exists (tests), the system resolver otherwise. */
    @Bean
    WebhookUrlGuard webhookUrlGuard(WebhookProperties properties, ObjectProvider<HostResolver> resolver) {
        if (!properties.allowedCidrs().isEmpty() || !properties.requireHttps()) {
            log.warn("webhooks: {}{}", properties.requireHttps() ? "" : "plain http allowed; ",
                    properties.allowedCidrs().isEmpty() ? "" : "receivers allowed in " + properties.allowedCidrs());
        }
        return new WebhookUrlGuard(resolver.getIfAvailable(HostResolver::system), properties.requireHttps(),
                properties.allowedCidrs());
    }

    @Bean
    WebhookHttpClient webhookHttpClient(WebhookProperties properties) throws NoSuchAlgorithmException {
        return new WebhookHttpClient(properties.connectTimeout(), properties.requestTimeout(),
                (int) Math.min(Integer.MAX_VALUE, properties.maxResponseBody().toBytes()), SSLContext.getDefault(),
                properties.concurrency());
    }

    /** Retry tiers, dead letters, the delivery log (raw and folded) and disabled URLs, created when missing. */
    @Bean
    KafkaAdmin.NewTopics webhookTopics(PitiserveKafkaProperties kafka, WebhookProperties properties) {
        if (!kafka.createTopics()) {
            return new KafkaAdmin.NewTopics();
        }
        WebhookTopics topics = WebhookTopics.withPrefix(kafka.topicPrefix());
        int partitions = kafka.eventPartitions();
        List<NewTopic> all = new ArrayList<>();
        for (java.time.Duration tier : properties.tiers()) {
            all.add(TopicBuilder.name(topics.retryTier(tier)).partitions(partitions).build());
        }
        all.add(TopicBuilder.name(topics.deadLetter()).partitions(partitions).build());
        all.add(TopicBuilder.name(topics.deliveries()).partitions(partitions).build());
        all.add(TopicBuilder.name(WebhookViewTopology.logsTopic(kafka)).partitions(partitions).compact().build());
        all.add(TopicBuilder.name(topics.disabledUrls()).partitions(1).compact().build());
        return new KafkaAdmin.NewTopics(all.toArray(NewTopic[]::new));
    }
}
