package io.pitiserve.gateway.status;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.Topics;
import io.pitiserve.common.events.UnreadableEventException;
import io.pitiserve.common.json.WireJsonSerde;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The status view: every job's {@link JobView}, folded from the requests and events topics.
 *
 * <p>Two stages, so that any number of gateway instances each answer for every job without doing
 * the folding twice:
 * <ol>
 *   <li>a partitioned aggregation: requests and events (key = job id) are merged, repartitioned
 *       (the two topics need not have the same partition count, and a job's request and events must
 *       meet in one task) and folded with {@link JobView#apply} into the RocksDB store
 *       {@value #AGGREGATES}. The instances share one application id, so Kafka spreads the
 *       partitions over them and each event is folded once. Every new view goes to the compacted
 *       job-views topic;</li>
 *   <li>a global store {@value #STORE} over the job-views topic: every instance reads all of it into
 *       its own RocksDB store and answers queries locally, with no calls between instances. Its
 *       updater also tells {@link JobUpdates}, which drives {@code Prefer: wait} and Server-Sent
 *       Events on whichever instance the client is connected to.</li>
 * </ol>
 * Records that are not readable events are logged and skipped: the view must keep up with
 * everything else.
 */
public final class StatusViewTopology {

    /** The global, queryable store: job id to view. */
    public static final String STORE = "job-views";
    /** The partitioned aggregation store (with its changelog). */
    public static final String AGGREGATES = "job-aggregates";
    /** The end of the name of the repartition topic that the job facts are folded from. */
    static final String JOB_FACTS_TOPIC_SUFFIX = "job-facts-by-id-repartition";

    private static final Logger log = LoggerFactory.getLogger(StatusViewTopology.class);

    private StatusViewTopology() {
    }

    public static Topology build(Topics topics, String jobViewsTopic, EventCodec codec, JobUpdates updates,
                                 FoldedViews folded, List<StatusViewExtension> extensions) {
        StreamsBuilder builder = new StreamsBuilder();
        WireJsonSerde<JobView> viewSerde = new WireJsonSerde<>(JobView.class);
        Consumed<String, byte[]> raw = Consumed.with(Serdes.String(), Serdes.ByteArray());

        // Every model's lane, also lanes created after the view started (found at the next metadata refresh).
        builder.stream(topics.lanes(), raw.withName("requests"))
                .merge(builder.stream(topics.events(), raw.withName("events")), Named.as("job-facts"))
                .repartition(Repartitioned.with(Serdes.String(), Serdes.ByteArray()).withName("job-facts-by-id"))
                .processValues(() -> new EventDecoder(codec), Named.as("decode"))
                .groupByKey()
                .aggregate(() -> null, (jobId, event, view) -> JobView.apply(view, event), Named.as("fold"),
                        Materialized.<String, JobView, KeyValueStore<Bytes, byte[]>>as(AGGREGATES)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(viewSerde))
                .toStream(Named.as("views"))
                .filter((jobId, view) -> view != null, Named.as("known"))
                // This instance's clients hear of a new view now, not after the job-views round trip.
                .peek((jobId, view) -> {
                    if (folded.folded(view)) {
                        updates.publish(view);
                    }
                }, Named.as("tell-local"))
                .to(jobViewsTopic, Produced.with(Serdes.String(), viewSerde).withName("job-views-sink"));

        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), viewSerde)
                        .withLoggingDisabled(),
                jobViewsTopic,
                Consumed.with(Serdes.String(), viewSerde).withName("job-views-source"),
                () -> new ViewUpdater(updates, folded));
        for (StatusViewExtension extension : extensions) {
            extension.addTo(builder);
        }
        return builder.build();
    }

    /** Decodes CloudEvents records into events; drops what cannot be read. */
    static final class EventDecoder implements FixedKeyProcessor<String, byte[], JobEvent> {

        private final EventCodec codec;
        private FixedKeyProcessorContext<String, JobEvent> context;

        EventDecoder(EventCodec codec) {
            this.codec = codec;
        }

        @Override
        public void init(FixedKeyProcessorContext<String, JobEvent> context) {
            this.context = context;
        }

        @Override
        public void process(FixedKeyRecord<String, byte[]> record) {
            Map<String, byte[]> headers = new HashMap<>();
            for (Header header : record.headers()) {
                headers.put(header.key(), header.value());
            }
            try {
                JobEvent event = codec.decode(record.value(), headers);
                if (record.key() != null && !record.key().equals(event.jobId())) {
                    log.warn("skipping a {} whose key {} is not its job id {}", event.type(), record.key(), event.jobId());
                    return;
                }
                context.forward(record.withValue(event));
            } catch (UnreadableEventException | RuntimeException e) {
                MDC.put("jobId", String.valueOf(record.key()));
                try {
                    log.warn("skipping an unreadable record for job {}: {}", record.key(), e.getMessage());
                } finally {
                    MDC.remove("jobId");
                }
            }
        }
    }

    /** Keeps the newest view of each job in the global store and tells waiting clients. */
    static final class ViewUpdater implements Processor<String, JobView, Void, Void> {

        private final JobUpdates updates;
        private final FoldedViews folded;
        private KeyValueStore<String, JobView> store;

        ViewUpdater(JobUpdates updates, FoldedViews folded) {
            this.updates = updates;
            this.folded = folded;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            this.store = context.getStateStore(STORE);
        }

        @Override
        public void process(Record<String, JobView> record) {
            if (record.key() == null) {
                return;
            }
            JobView view = record.value();
            if (view == null) {
                store.delete(record.key());
                return;
            }
            JobView known = store.get(record.key());
            if (known != null && known.version() > view.version()) {
                return;
            }
            store.put(record.key(), view);
            folded.stored(view);
            // Listeners drop a version they already had (from this instance's own fold).
            updates.publish(view);
        }
    }
}
