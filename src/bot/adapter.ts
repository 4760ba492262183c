// The Bot Framework adapter: CloudAdapter with ConfigurationBotFrameworkAuthentication, so inbound
// requests carry a Bot Framework JWT (checked against the channel's OpenID metadata) whenever
// MicrosoftAppId is set. An empty MicrosoftAppId is local mode: no token validation.
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import {
  AuthenticationConstants,
  AuthenticationError,
  type AuthenticateRequestResult,
  type ServiceClientCredentialsFactory,
} from 'botframework-connector';
import type { Activity } from 'botbuilder';
import type { Config } from '../config';

/**
 * Where channel tokens come from and go to. Production uses botbuilder's public-cloud defaults;
 * tests point these at a loopback OpenID metadata document and JWKS.
 */
export interface ChannelAuthSettings {
  ToBotFromChannelOpenIdMetadataUrl: string;
  ToBotFromChannelTokenIssuer: string;
  ToChannelFromBotLoginUrl?: string;
  ToChannelFromBotOAuthScope?: string;
}

export interface AdapterOptions {
  channelAuth?: ChannelAuthSettings;
  /** How the bot gets its outbound token; default: from MicrosoftAppId/MicrosoftAppPassword (MSAL). */
  credentialsFactory?: ServiceClientCredentialsFactory;
}

/**
 * jsonwebtoken's own errors (bad signature, malformed token, not yet valid) escape botbuilder's
 * checks as plain errors, which CloudAdapter answers with 500. A bad token is a 401.
 */
class StrictBotFrameworkAuthentication extends ConfigurationBotFrameworkAuthentication {
  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    try {
      return await super.authenticateRequest(activity, authHeader);
    } catch (err) {
      if (err instanceof AuthenticationError) throw err;
      const name = (err as { name?: unknown })?.name;
      if (name === 'JsonWebTokenError' || name === 'NotBeforeError' || name === 'TokenExpiredError') {
        throw new AuthenticationError(`Unauthorized: ${(err as Error).message}`, 401);
      }
      throw err;
    }
  }
}

export function authenticationOptions(
  config: Pick<Config, 'MicrosoftAppId' | 'MicrosoftAppPassword' | 'MicrosoftAppType' | 'MicrosoftAppTenantId'>,
  channelAuth?: ChannelAuthSettings,
): ConfigurationBotFrameworkAuthenticationOptions {
  const identity: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: config.MicrosoftAppId ?? '',
    MicrosoftAppPassword: config.MicrosoftAppPassword ?? '',
    MicrosoftAppType: config.MicrosoftAppType,
    MicrosoftAppTenantId: config.MicrosoftAppTenantId ?? '',
  };
  if (!channelAuth) return identity;
  // Setting any channel endpoint switches botbuilder to "parameterized" mode, where every one
  // must be given: the rest keep the public-cloud values.
  return {
    ...identity,
    ValidateAuthority: true,
    ToChannelFromBotLoginUrl: channelAuth.ToChannelFromBotLoginUrl ?? AuthenticationConstants.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: channelAuth.ToChannelFromBotOAuthScope ?? AuthenticationConstants.ToChannelFromBotOAuthScope,
    ToBotFromChannelTokenIssuer: channelAuth.ToBotFromChannelTokenIssuer,
    ToBotFromChannelOpenIdMetadataUrl: channelAuth.ToBotFromChannelOpenIdMetadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
    OAuthUrl: AuthenticationConstants.OAuthUrl,
    CallerId: 'urn:botframework:azure',
  };
}

export function createAdapter(
  config: Pick<Config, 'MicrosoftAppId' | 'MicrosoftAppPassword' | 'MicrosoftAppType' | 'MicrosoftAppTenantId'>,
  options: AdapterOptions = {},
): CloudAdapter {
  const auth = new StrictBotFrameworkAuthentication(authenticationOptions(config, options.channelAuth), options.credentialsFactory);
  return new CloudAdapter(auth);
}
