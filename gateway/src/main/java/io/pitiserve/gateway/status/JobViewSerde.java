package io.pitiserve.gateway.status;

import io.pitiserve.common.json.WireJson;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;


import tools.jackson.core.JacksonException;



import tools.jackson.databind.json.JsonMapper;

/**
 * {@link JobView} as JSON (snake_case, ISO-8601 instants) in the status view's stores and on the
 * job-views topic. Unknown members are ignored so that a newer gateway's views stay readable by an
 * older one during a rolling upgrade.
 */
public final class JobViewSerde implements Serde<JobView> {

    static final JsonMapper MAPPER = WireJson.MAPPER;

    @Override
    public Serializer<JobView> serializer() {
        return (topic, view) -> {
            if (view == null) {
                return null;
            }
            try {
                return MAPPER.writeValueAsBytes(view);
            } catch (JacksonException e) {
                throw new SerializationException("cannot write the view of job " + view.jobId(), e);
            }
        };
    }

    @Override
    public Deserializer<JobView> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return MAPPER.readValue(bytes, JobView.class);
            } catch (JacksonException e) {
                throw new SerializationException("unreadable job view on " + topic, e);
            }
        };
    }
}
