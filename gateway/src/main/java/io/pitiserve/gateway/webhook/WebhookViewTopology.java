package io.pitiserve.gateway.webhook;

import io.pitiserve.common.json.WireJson;
import io.pitiserve.common.json.WireJsonSerde;
import io.pitiserve.common.webhook.WebhookTopics;
import io.pitiserve.gateway.config.PitiserveKafkaProperties;
import io.pitiserve.gateway.status.StatusViewExtension;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The webhook state every gateway instance answers from, kept by the status view's Kafka Streams
 * application: each job's delivery log (attempts folded from the deliveries topic into the
 * compacted webhook-logs topic, read whole into the global store {@value #LOGS}) and the URLs
 * disabled by a 410 (the compacted disabled-urls topic, global store {@value #DISABLED}).
 */
@Component
public class WebhookViewTopology implements StatusViewExtension {

    public static final String LOGS = "webhook-logs";
    public static final String DISABLED = "webhook-disabled-urls";

    private static final Logger log = LoggerFactory.getLogger(WebhookViewTopology.class);

    private final WebhookTopics topics;
    private final String logsTopic;
    private final int logSize;

    public WebhookViewTopology(PitiserveKafkaProperties kafka, WebhookProperties webhooks) {
        this.topics = WebhookTopics.withPrefix(kafka.topicPrefix());
        this.logsTopic = logsTopic(kafka);
        this.logSize = webhooks.logSize();
    }

    /** The compacted topic of whole delivery logs, key = job id. */
    public static String logsTopic(PitiserveKafkaProperties kafka) {
        return kafka.topicPrefix() + "gateway.webhook-logs";
    }

    @Override
    public void addTo(StreamsBuilder builder) {
        WireJsonSerde<DeliveryAttempt> attemptSerde = new WireJsonSerde<>(DeliveryAttempt.class);
        WireJsonSerde<WebhookLog> logSerde = new WireJsonSerde<>(WebhookLog.class);
        builder.stream(topics.deliveries(), Consumed.with(Serdes.String(), Serdes.ByteArray())
                        .withName("webhook-deliveries"))
                .flatMapValues(bytes -> {
                    try {
                        return java.util.List.of(WireJson.read(bytes, DeliveryAttempt.class));
                    } catch (IllegalArgumentException e) {
                        log.warn("skipping an unreadable delivery attempt: {}", e.getMessage());
                        return java.util.List.<DeliveryAttempt>of();
                    }
                }, Named.as("webhook-decode"))
                .groupByKey(org.apache.kafka.streams.kstream.Grouped.with(Serdes.String(), attemptSerde))
                .aggregate(() -> null, (jobId, attempt, current) ->
                                (current == null ? new WebhookLog(jobId, null) : current).append(attempt, logSize),
                        Named.as("webhook-log-fold"),
                        Materialized.<String, WebhookLog, KeyValueStore<Bytes, byte[]>>as("webhook-log-aggregates")
                                .withKeySerde(Serdes.String())
                                .withValueSerde(logSerde))
                .toStream(Named.as("webhook-log-changes"))
                .to(logsTopic, Produced.with(Serdes.String(), logSerde).withName("webhook-logs-sink"));

        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LOGS), Serdes.String(), logSerde)
                        .withLoggingDisabled(),
                logsTopic, Consumed.with(Serdes.String(), logSerde).withName("webhook-logs-source"),
                () -> new Keeper<WebhookLog>(LOGS));
        WireJsonSerde<DisabledUrl> disabledSerde = new WireJsonSerde<>(DisabledUrl.class);
        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DISABLED), Serdes.String(), disabledSerde)
                        .withLoggingDisabled(),
                topics.disabledUrls(), Consumed.with(Serdes.String(), disabledSerde).withName("webhook-disabled-source"),
                () -> new Keeper<DisabledUrl>(DISABLED));
    }

    /** Keeps the latest value per key in a global store; a tombstone deletes. */
    static final class Keeper<V> implements Processor<String, V, Void, Void> {

        private final String storeName;
        private KeyValueStore<String, V> store;

        Keeper(String storeName) {
            this.storeName = storeName;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(storeName);
        }

        @Override
        public void process(Record<String, V> record) {
            if (record.key() == null) {
                return;
            }
            if (record.value() == null) {
                store.delete(record.key());
            } else {
                store.put(record.key(), record.value());
            }
        }
    }
}
