package io.pitiserve.testsupport.kafka;

import java.util.List;
import java.util.Map;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.test.context.TestContextAnnotationUtils;

/**
 * The Spring side of {@link BrokerForTest}: starts the broker when the test's application context
 * is built, publishes its address as a property, registers it as a bean and stops it when the
 * context closes (after every bean that talks to it, since it was registered first).
 */
final class BrokerForTestContextCustomizerFactory implements ContextCustomizerFactory {

    @Override
    public ContextCustomizer createContextCustomizer(Class<?> testClass,
                                                     List<ContextConfigurationAttributes> configAttributes) {
        BrokerForTest request = TestContextAnnotationUtils.findMergedAnnotation(testClass, BrokerForTest.class);
        return request == null ? null : new Customizer(request.partitions(), request.bootstrapServersProperty());
    }

    /** Equal for equal requests, so Spring's context cache shares a context (and its broker) between them. */
    private record Customizer(int partitions, String bootstrapServersProperty) implements ContextCustomizer {

        @Override
        public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
            TestBroker broker = TestBroker.start(BrokerKind.selected(), new BrokerSettings(partitions));
            ConfigurableListableBeanFactory beans = context.getBeanFactory();
            beans.registerSingleton("pitiserveTestBroker", broker);
            ((DefaultSingletonBeanRegistry) beans).registerDisposableBean("pitiserveTestBroker", broker::close);
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("pitiserveTestBroker",
                    Map.of(bootstrapServersProperty, broker.bootstrapServers())));
        }
    }
}
