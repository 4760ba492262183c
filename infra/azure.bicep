// Everything the bot needs in one resource group, deployed by `arm/deploy` in m365agents.yml:
// a user-assigned managed identity (the bot's identity, the store's and the Key Vault reader), the
// App Service plan and Linux web app (Node 20 LTS, Always On, health check /readyz, HTTPS only, every
// setting the bot reads, secrets as Key Vault references), the Azure Bot (UserAssignedMSI, Teams
// channel), a Storage account for STORE=blob (no shared keys; the identity is Storage Blob Data
// Contributor), Key Vault (RBAC) and Log Analytics + Application Insights.
// The web app's settings are the bot's configuration (src/config.ts, the README's table);
// test/repository/deployment.test.ts checks that they make a valid production configuration.

@description('Prefix of every resource name (letters and digits).')
@minLength(3)
@maxLength(12)
param resourceBaseName string

@description('Azure region of the resources (the bot registration is global).')
param location string = resourceGroup().location

@description('App Service plan SKU; Always On needs B1 or above. Several instances: P1v3 with STORE=blob (docs/operations.md).')
param webAppSku string = 'B1'

@description('Instances of the web app (the Blob store lets several share the state).')
@minValue(1)
param instanceCount int = 1

@description('Shown on the Azure Bot resource.')
param botDisplayName string = 'CSP Onboarding Bot'

@description('The cloud the bot works in (CLOUD).')
@allowed(['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment'])
param cloud string = 'AzureCloud'

@description('ALLOWED_TENANT_IDS: comma-separated Teams tenant ids the bot answers (usually the partner tenant).')
param allowedTenantIds string = tenant().tenantId

@description('AZURE_TENANT_ID: the CSP partner tenant.')
param partnerTenantId string = tenant().tenantId

@description('AZURE_CLIENT_ID: the app registered in Partner Center (App management) that calls Partner Center, Graph and ARM.')
param partnerCenterAppId string

@description('AZURE_CLIENT_SECRET of that app; stored in Key Vault.')
@secure()
param partnerCenterAppSecret string

@description('PARTNER_CENTER_REFRESH_TOKEN (optional, delegated; only to confirm the customer agreement); stored in Key Vault.')
@secure()
param partnerCenterRefreshToken string = ''

@description('REGISTRATIONS: comma-separated Azure Stack Hub registration resource ids the bot may change.')
param registrations string

@description('APPROVAL_CHANNEL_ID: the Teams channel for approval cards (19:…@thread.tacv2).')
param approvalChannelId string = ''

@description('APPROVER_IDS: comma-separated Entra object ids of the approvers.')
param approverIds string = ''

@description('APPROVER_GROUP_ID: an Entra group of approvers.')
param approverGroupId string = ''

@description('OPERATOR_IDS: comma-separated Entra object ids of the operators.')
param operatorIds string = ''

@description('OPERATOR_GROUP_ID: an Entra group of operators.')
param operatorGroupId string = ''

@description('ROLE_ASSIGNMENT_ENDPOINT: an Azure Stack Hub stamp\'s ARM endpoint for the Owner role assignment; empty: Azure\'s.')
param roleAssignmentEndpoint string = ''

@description('ROLE_ASSIGNMENT_AUDIENCE: the stamp\'s token audience, when it differs from the endpoint.')
param roleAssignmentAudience string = ''

@description('ROLE_ASSIGNMENT_API_VERSION: 2015-07-01 on a stamp, 2022-04-01 on Azure.')
@allowed(['2015-07-01', '2022-04-01'])
param roleAssignmentApiVersion string = '2022-04-01'

@description('AZURE_STORAGE_CONTAINER: the blob container of the store.')
param storageContainer string = 'csp-onboarding-bot'

var suffix = uniqueString(resourceGroup().id, resourceBaseName)
var storageAccountName = 'st${suffix}'
var keyVaultName = 'kv${suffix}'
// Built-in role definitions (the same ids in every tenant).
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var hasRefreshToken = !empty(partnerCenterRefreshToken)

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${resourceBaseName}-identity'
  location: location
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${resourceBaseName}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 90
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${resourceBaseName}-insights'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: false
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  // LRS is offered in every region; choose ZRS where the region has it.
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    // A mistaken delete or overwrite can be undone (docs/operations.md).
    deleteRetentionPolicy: { enabled: true, days: 14 }
    containerDeleteRetentionPolicy: { enabled: true, days: 14 }
    isVersioningEnabled: true
  }
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: storageContainer
  properties: { publicAccess: 'None' }
}

resource storageRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
  }
}

resource appSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'partner-center-app-secret'
  properties: { value: partnerCenterAppSecret }
}

resource refreshToken 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (hasRefreshToken) {
  parent: vault
  name: 'partner-center-refresh-token'
  properties: { value: partnerCenterRefreshToken }
}

resource vaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, identity.id, keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${resourceBaseName}-plan'
  location: location
  kind: 'linux'
  sku: {
    name: webAppSku
    capacity: instanceCount
  }
  properties: { reserved: true }
}

resource webApp 'Microsoft.Web/sites@2023-12-01' = {
  // Web app and bot names are global (<name>.azurewebsites.net): made unique per resource group.
  name: '${resourceBaseName}-${suffix}'
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    // Key Vault references resolve as the user-assigned identity (Key Vault Secrets User above).
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: 'NODE|20-lts'
      appCommandLine: 'node lib/index.js'
      alwaysOn: true
      healthCheckPath: '/readyz'
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      http20Enabled: true
      appSettings: [
        // The bot's identity: the managed identity (no password anywhere).
        { name: 'MicrosoftAppId', value: identity.properties.clientId }
        { name: 'MicrosoftAppType', value: 'UserAssignedMSI' }
        { name: 'MicrosoftAppTenantId', value: identity.properties.tenantId }
        { name: 'ALLOWED_TENANT_IDS', value: allowedTenantIds }
        // The clouds, as the Partner Center app.
        { name: 'CLOUD', value: cloud }
        { name: 'AZURE_TENANT_ID', value: partnerTenantId }
        { name: 'AZURE_CLIENT_ID', value: partnerCenterAppId }
        { name: 'AZURE_CLIENT_SECRET', value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${appSecret.name})' }
        { name: 'PARTNER_CENTER_REFRESH_TOKEN', value: hasRefreshToken ? '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=partner-center-refresh-token)' : '' }
        { name: 'REGISTRATIONS', value: registrations }
        { name: 'ROLE_ASSIGNMENT_ENDPOINT', value: roleAssignmentEndpoint }
        { name: 'ROLE_ASSIGNMENT_AUDIENCE', value: roleAssignmentAudience }
        { name: 'ROLE_ASSIGNMENT_API_VERSION', value: roleAssignmentApiVersion }
        // The shared store, as the managed identity.
        { name: 'STORE', value: 'blob' }
        { name: 'AZURE_STORAGE_ACCOUNT_URL', value: storage.properties.primaryEndpoints.blob }
        { name: 'AZURE_STORAGE_CLIENT_ID', value: identity.properties.clientId }
        { name: 'AZURE_STORAGE_CONTAINER', value: container.name }
        // Who decides and who operates.
        { name: 'APPROVAL_CHANNEL_ID', value: approvalChannelId }
        { name: 'APPROVER_IDS', value: approverIds }
        { name: 'APPROVER_GROUP_ID', value: approverGroupId }
        { name: 'OPERATOR_IDS', value: operatorIds }
        { name: 'OPERATOR_GROUP_ID', value: operatorGroupId }
        // Telemetry (docs/operations.md, Dashboards and alerts).
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }
        { name: 'LOG_LEVEL', value: 'info' }
        // The zip holds the sources and lib/: App Service installs the packages on Linux (better-sqlite3
        // is native) and builds. (No NODE_ENV=production here: the build needs the dev dependencies.)
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'true' }
      ]
    }
  }
  dependsOn: [
    vaultRole
    storageRole
  ]
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: '${resourceBaseName}-${suffix}'
  location: 'global'
  kind: 'azurebot'
  sku: { name: 'F0' }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    msaAppType: 'UserAssignedMSI'
    msaAppId: identity.properties.clientId
    msaAppMSIResourceId: identity.id
    msaAppTenantId: identity.properties.tenantId
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: { isEnabled: true }
  }
}

// Written to env/.env.<environment> by arm/deploy (the manifest's BOT_ID and BOT_DOMAIN, the deploy target).
output BOT_ID string = identity.properties.clientId
output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output APPLICATIONINSIGHTS_RESOURCE_ID string = appInsights.id
