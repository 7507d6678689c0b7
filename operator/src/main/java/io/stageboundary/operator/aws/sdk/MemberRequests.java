package io.stageboundary.operator.aws.sdk;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequest;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.SdkClient;

/**
 * A view of a shared SDK client that sends every request with one member account's credentials,
 * through the SDK's per-request credentials override.
 */
final class MemberRequests {
  /** The shared member clients' own credentials: using them is a bug, said loudly. */
  static final AwsCredentialsProvider NO_CREDENTIALS = () -> {
    throw new IllegalStateException("a shared member-account client was called without the account's credentials");
  };

  private MemberRequests() {}

  static <T extends SdkClient> T view(Class<T> type, T shared, AwsCredentialsProvider credentials) {
    return view(type, shared, credentials, () -> { });
  }

  /** As above; {@code beforeCall} runs before each request is sent (waits for the account's call rate). */
  @SuppressWarnings("unchecked")
  static <T extends SdkClient> T view(Class<T> type, T shared, AwsCredentialsProvider credentials, Runnable beforeCall) {
    InvocationHandler handler = (proxy, method, args) -> {
      if (args != null && args.length == 1 && args[0] instanceof AwsRequest request) {
        beforeCall.run();
        return call(shared, method, withCredentials(request, credentials));
      }
      if (method.getName().equals("close") && method.getParameterCount() == 0) {
        return null;  // the shared client outlives this view
      }
      if (args != null && args.length == 1 && args[0] instanceof java.util.function.Consumer<?> && method.isDefault()) {
        // the consumer-builder overloads build the request and call back the overload above
        return InvocationHandler.invokeDefault(proxy, method, args);
      }
      if (method.getName().equals("waiter") || method.getName().endsWith("Paginator") && args == null) {
        throw new UnsupportedOperationException(method.getName() + "() of a member-account view would lose the"
            + " account's credentials");
      }
      return call(shared, method, args);
    };
    return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
  }

  static AwsRequest withCredentials(AwsRequest request, AwsCredentialsProvider credentials) {
    AwsRequestOverrideConfiguration.Builder o = request.overrideConfiguration()
        .map(AwsRequestOverrideConfiguration::toBuilder).orElseGet(AwsRequestOverrideConfiguration::builder);
    return request.toBuilder().overrideConfiguration(o.credentialsProvider(credentials).build()).build();
  }

  private static Object call(Object target, Method method, Object... args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
