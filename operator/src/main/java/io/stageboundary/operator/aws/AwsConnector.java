package io.stageboundary.operator.aws;

/** Opens the AWS side of one organisation. The SDK adapter implements it; unit tests fake it. */
public interface AwsConnector extends AutoCloseable {
  OrganizationAws connect(Connection connection);

  @Override
  void close();
}
