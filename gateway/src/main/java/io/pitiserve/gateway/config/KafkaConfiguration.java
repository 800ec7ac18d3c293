package io.pitiserve.gateway.config;

import java.util.HashMap;
import java.util.Map;

import java.util.ArrayList;
import java.util.List;

import io.pitiserve.common.events.TopicSettings;

import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.support.ProducerListener;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Kafka clients of the gateway. The producer is idempotent with {@code acks=all}, and its
 * blocking and delivery timeouts follow {@code pitiserve.gateway.publish-timeout}, so a request
 * that answers 503 has not left a record that Kafka delivers later.
 */
@Configuration(proxyBeanMethods = false)
public class KafkaConfiguration {

    /** {@code pitiserve.kafka}, bound here: the record lives in common, which knows no Spring. */
    @Bean
    TopicSettings topicSettings(Environment environment) {
        return Binder.get(environment).bindOrCreate("pitiserve.kafka", TopicSettings.class);
    }

    @Bean
    PitiserveKafkaProperties pitiserveKafkaProperties(TopicSettings topicSettings) {
        return new PitiserveKafkaProperties(topicSettings);
    }

    @Bean
    ProducerFactory<byte[], byte[]> gatewayProducerFactory(KafkaProperties boot, GatewayProperties gateway) {
        Map<String, Object> config = new HashMap<>(boot.buildProducerProperties());
        long timeoutMs = gateway.publishTimeout().toMillis();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1, timeoutMs));
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(1, timeoutMs));
        return new DefaultKafkaProducerFactory<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Bean
    KafkaTemplate<byte[], byte[]> gatewayKafkaTemplate(ProducerFactory<byte[], byte[]> gatewayProducerFactory,
                                                        KafkaAdmin admin, AdminClient gatewayAdminClient) {
        KafkaTemplate<byte[], byte[]> template = new KafkaTemplate<>(gatewayProducerFactory);
        // Every send is a producer span of the current trace, whose context (W3C traceparent and
        // tracestate) the tracer's propagator writes into the record's headers.
        template.setObservationEnabled(true);
        template.setKafkaAdmin(new ClusterIdLookup(admin.getConfigurationProperties(), gatewayAdminClient));
        // A send that fails is answered (503) and logged once by the code that sent it; spring-kafka's
        // default listener would log it a second time, at ERROR with the stack.
        template.setProducerListener(new ProducerListener<>() {
        });
        return template;
    }

    /** For health checks and queue depths. */
    @Bean(destroyMethod = "close")
    AdminClient gatewayAdminClient(KafkaAdmin admin) {
        return AdminClient.create(admin.getConfigurationProperties());
    }

    /**
     * The topics the gateway reads and writes, created when missing (existing ones are left as they
     * are): the ones shared with the worker exactly as the worker declares them, and its job views.
     */
    @Bean
    KafkaAdmin.NewTopics pitiserveTopics(PitiserveKafkaProperties kafka, GatewayProperties gateway) {
        if (!kafka.createTopics()) {
            return new KafkaAdmin.NewTopics();
        }
        List<String> declared = gateway.models().stream().map(GatewayProperties.Model::name).toList();
        return new KafkaAdmin.NewTopics(declaredTopics(kafka.settings(), declared).toArray(NewTopic[]::new));
    }

    /**
     * Every topic the gateway creates when missing, for the given settings: the shared ones, the request
     * lanes of the declared models (so that their jobs wait there while no worker runs), its job views.
     */
    public static List<NewTopic> declaredTopics(TopicSettings settings, List<String> declaredModels) {
        List<NewTopic> topics = new ArrayList<>();
        for (TopicSettings.TopicSpec spec : settings.sharedTopics()) {
            topics.add(newTopic(spec));
        }
        declaredModels.forEach(model -> topics.add(newTopic(settings.lane(model))));
        PitiserveKafkaProperties kafka = new PitiserveKafkaProperties(settings);
        topics.add(newTopic(new TopicSettings.TopicSpec(kafka.jobViewsTopic(), settings.eventPartitions(),
                settings.replicationFactor(), true)));
        return topics;
    }

    private static NewTopic newTopic(TopicSettings.TopicSpec spec) {
        TopicBuilder builder = TopicBuilder.name(spec.name()).partitions(spec.partitions());
        if (spec.replicationFactor() != null) {
            builder.replicas(spec.replicationFactor());
        }
        if (spec.compacted()) {
            builder.config(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        }
        return builder.build();
    }
}
