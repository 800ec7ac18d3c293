/** The infrastructure a single piti-serve process embeds: a KRaft Kafka broker and an S3 server. */
package io.pitiserve.standalone.infra;
