package io.pitiserve.testsupport.kafka;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Kafka broker for this test class: embedded KRaft or a Testcontainers {@code KafkaContainer},
 * whichever {@link BrokerKind#selected()} picks. A class that asks for the container on a machine
 * without Docker is skipped, never failed.
 *
 * <p>In a Spring test the broker belongs to the application context (it stops when the context
 * closes): its address is set as {@link #bootstrapServersProperty()} and the {@link TestBroker} is a
 * bean ({@code @Autowired TestBroker}). In a plain JUnit test a {@link TestBroker} parameter of a
 * test or lifecycle method gets the class's broker, stopped after the class.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(BrokerForTestExtension.class)
public @interface BrokerForTest {

    /** Partitions of every topic the broker creates on first use. */
    int partitions() default 1;

    /** The Spring property that receives the broker's bootstrap address (Spring tests only). */
    String bootstrapServersProperty() default "spring.kafka.bootstrap-servers";
}
