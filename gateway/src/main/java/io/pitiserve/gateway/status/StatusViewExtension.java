package io.pitiserve.gateway.status;

import org.apache.kafka.streams.StreamsBuilder;

/**
 * More state the status view's Kafka Streams application keeps next to the job views, e.g. the
 * webhook delivery log. An extension adds its own, explicitly named, sub-topology and stores;
 * {@link StatusView#lookup} reads them.
 */
public interface StatusViewExtension {

    void addTo(StreamsBuilder builder);
}
