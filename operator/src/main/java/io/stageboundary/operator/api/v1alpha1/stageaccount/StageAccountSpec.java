package io.stageboundary.operator.api.v1alpha1.stageaccount;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record StageAccountSpec(
    @JsonPropertyDescription("The Stage this account belongs to.") String stage,
    @JsonPropertyDescription("The AWS account id.") String accountId,
    @JsonPropertyDescription("The account's name in the organisation.") String accountName,
    @JsonPropertyDescription("The OU the account sits in (directly).") String organizationalUnitId) {}
