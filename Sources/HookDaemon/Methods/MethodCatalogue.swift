import Logging
import HookJSON
import HookRPC

/// Every method hookd serves, in one table: what `rpc.discover`'s document must list.
enum MethodCatalogue {
    static func build(
        state: DaemonState, credentials: CredentialSubsystem, alerts: AlertSubsystem, validation: ValidationService,
        delivery: DeliveryEngine, sandbox: SandboxService, metrics: MetricsExporter, reloader: ConfigurationReloader, logger: Logger
    ) -> MethodTable {
        var methods = MethodTable()
        let incidents = IncidentLogger(logger: logger)
        SystemMethods.register(into: &methods, state: state, reloader: reloader)
        WebhookMethods.register(into: &methods, registry: credentials.registry, credentials: credentials.service,
                                sources: credentials.sources, audit: credentials.audit, alerts: alerts.engine, logger: incidents)
        CredentialMethods.register(into: &methods, service: credentials.service, registry: credentials.registry,
                                   sources: credentials.sources, audit: credentials.audit, incidents: incidents)
        AlertMethods.register(into: &methods, alerts: alerts, credentials: credentials.service,
                              invalidateOnAuthFailure: state.configuration.cache.invalidateOnAuthFailure, configuration: state.configuration)
        LogMethods.register(into: &methods, alerts: alerts, credentials: credentials.service, settings: state.configuration.structuredLogging)
        ValidationMethods.register(into: &methods, service: validation)
        let fleet = FleetIdempotency.make(configuration: state.configuration, host: alerts.engine.host, queuePath: delivery.queue.path, logger: logger)
        DeliveryMethods.register(into: &methods, engine: delivery, fleet: fleet, incidents: incidents)
        let inbound = InboundVerification.make(configuration: state.configuration, credentials: credentials, alerts: alerts,
                                               incidents: incidents, logger: logger)
        InboundMethods.register(into: &methods, verification: inbound)
        let migration = MigrationService(registry: credentials.registry, credentials: credentials.service, sources: credentials.sources,
                                         settings: state.configuration.infisical, naming: state.configuration.infisical.secretNaming,
                                         validation: validation, audit: credentials.audit, logger: logger)
        MigrationMethods.register(into: &methods, service: migration)
        SandboxMethods.register(into: &methods, service: sandbox)
        methods.register(MethodName.systemMetrics) { _, _ throws(RPCError) in
            .later { () throws(RPCError) -> JSONValue in ["content_type": .string(MetricsExporter.contentType), "text": .string(await metrics.text())] }
        }
        return methods
    }
}
