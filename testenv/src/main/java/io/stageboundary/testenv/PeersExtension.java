package io.stageboundary.testenv;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 wiring for the real peers: they start once per test JVM (on first use) and stop when
 * the JVM's tests are done; before each test class the emulator is reset and the standard
 * organisation seeded. Test methods and constructors can take {@link Peers},
 * {@link KubernetesClient} (admin), {@link SeededOrganization}, {@link AwsClients},
 * {@link EmulatorAdmin} or {@link KubePeer} as parameters.
 */
public final class PeersExtension implements BeforeAllCallback, ParameterResolver {

  /** Shortcut for {@code @ExtendWith(PeersExtension.class)}. */
  @Target(ElementType.TYPE)
  @Retention(RetentionPolicy.RUNTIME)
  @ExtendWith(PeersExtension.class)
  public @interface WithPeers {}

  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(PeersExtension.class);

  /** The shared peers, started on first use; closed by JUnit at the end of the run. */
  public static Peers peers(ExtensionContext context) {
    // Peers is AutoCloseable, so JUnit closes it when the root context (the whole run) ends.
    return context.getRoot().getStore(NS)
        .computeIfAbsent("peers", k -> Peers.start(), Peers.class);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    peers(context).resetAws();
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
    Class<?> t = p.getParameter().getType();
    return t == Peers.class || t == KubernetesClient.class || t == SeededOrganization.class
        || t == AwsClients.class || t == EmulatorAdmin.class || t == KubePeer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext c) {
    Peers peers = peers(c);
    Class<?> t = p.getParameter().getType();
    if (t == Peers.class) {
      return peers;
    } else if (t == KubernetesClient.class) {
      return peers.kubeClient();
    } else if (t == SeededOrganization.class) {
      return peers.organization();
    } else if (t == AwsClients.class) {
      return peers.awsClients();
    } else if (t == EmulatorAdmin.class) {
      return peers.emulator();
    }
    return peers.kube();
  }
}
