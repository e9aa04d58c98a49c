import HookLinux
import HookRPC
import HookStore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// What the command line says about how to run the daemon.
public struct DaemonOptions: Sendable {
    public var configPath: String?
    public var socketPath: String?
    public var stateDirectory: String?

    public init(configPath: String? = nil, socketPath: String? = nil, stateDirectory: String? = nil) {
        self.configPath = configPath
        self.socketPath = socketPath
        self.stateDirectory = stateDirectory
    }
}

/// The daemon's life: start-up builds every part from the configuration, then one `ServiceGroup`
/// runs them all until SIGTERM or SIGINT and shuts them down in reverse order, the listener
/// first (it drains in-flight calls), the log writers last.
public enum Daemon {
    /// Exit status for a configuration that cannot be used (sysexits' EX_CONFIG).
    public static let configurationExitCode: Int32 = 78
    /// Exit status when the socket cannot be listened on (EX_UNAVAILABLE).
    public static let unavailableExitCode: Int32 = 69

    /// Checks a configuration file as start-up would, without starting anything.
    /// - Returns: the first problem, or nil when the file is fine.
    public static func checkConfiguration(path: String) -> ConfigurationCheck {
        // Not a Result built from a typed-throws closure: with Swift 6.3 that form destroyed an
        // uninitialised DaemonConfiguration on the failure path (a crash, found by --check-config tests).
        let loader = ConfigurationLoader(environment: SocketPath.currentEnvironment(), daemonUserID: geteuid())
        do {
            let configuration = try loader.load(path: path)
            return ConfigurationCheck(problem: nil, warnings: configuration.warnings + configuration.startWarnings)
        } catch {
            return ConfigurationCheck(problem: error, warnings: [])
        }
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    /// - Returns: the process exit status (0 after a clean shutdown).
    public static func run(_ options: DaemonOptions, logger baseLogger: Logger) async -> Int32 {
        var logger = baseLogger
        let environment = SocketPath.currentEnvironment()
        let userID = geteuid()
        let loader = ConfigurationLoader(environment: environment, daemonUserID: userID)
        var configuration = DaemonConfiguration()
        if let path = options.configPath {
            do {
                configuration = try loader.load(path: path)
            } catch {
                logger.critical("configuration error: \(error.description)")
                return configurationExitCode
            }
        }
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        for warning in configuration.warnings + configuration.startWarnings { logger.warning("configuration: \(warning)") }

        let directories = DaemonDirectories.resolve(
            environment: environment, userID: userID,
            stateOverride: options.stateDirectory ?? configuration.stateDirectory, logsOverride: configuration.logsDirectory)
        configuration.stateDirectory = directories.state
        configuration.logsDirectory = directories.logs
        guard makeDirectory(directories.state, mode: 0o700) else {
            logger.critical("cannot create the state directory \(directories.state): \(String(cString: strerror(errno)))")
            return unavailableExitCode
        }
        do throws(SocketFile.Failure) {
            // The registry (maybe legacy credentials) lives here: nobody else may be able to swap it.
            try SocketFile.checkOwnDirectory(directories.state, daemonUserID: userID, purpose: "state")
        } catch {
            logger.critical("\(error.description)")
            return unavailableExitCode
        }
        let address = listenAddress(options: options, configuration: configuration, environment: environment, userID: userID)
        configuration.socketPath = address.path

        let parts: Parts
        do throws(StartError) {
            parts = try await Parts(configuration: configuration, directories: directories, loader: loader,
                                    environment: environment, userID: userID, address: address, logger: logger)
        } catch {
            logger.critical("\(error.description)")
            return unavailableExitCode
        }
        logger.info("hookd \(hookdVersion) starting", metadata: ["socket": "\(address)", "state_dir": "\(directories.state)"])

        var groupConfiguration = ServiceGroupConfiguration(
            services: parts.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // The listener drains for up to the grace; a part that hangs past that is cancelled.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(configuration.limits.shutdownGraceSeconds + 10)
        let group = ServiceGroup(configuration: groupConfiguration)
        var status: Int32 = 0
        do {
            try await group.run()
        } catch {
            logger.critical("\(error)")
            status = unavailableExitCode
        }
        // Every part has stopped: the event loops have nothing left to run.
        try? await parts.eventLoops.shutdownGracefully()
        logger.info("stopped")
        return status
    }

    /// Why the daemon could not be built.
    struct StartError: Error, CustomStringConvertible {
        var description: String
    }

    /// Everything the daemon runs, built once at start-up from the configuration.
    private struct Parts {
        let eventLoops: MultiThreadedEventLoopGroup
        /// In the order they start; the group stops them in reverse.
        let services: [any Service]

        init(configuration: DaemonConfiguration, directories: DaemonDirectories, loader: ConfigurationLoader,
             environment: [String: String], userID: UInt32, address: ListenAddress, logger: Logger) async throws(StartError) {
            let state = DaemonState(configuration: configuration, loader: loader, daemonUserID: userID)
            let metrics = DaemonMetrics(maxCodes: configuration.metrics.maxCodes)
            let counting = configuration.metrics.enabled ? metrics : nil
            let credentials: CredentialSubsystem
            do throws(CredentialSubsystem.StartError) {
                credentials = try CredentialSubsystem(configuration: configuration, directories: directories,
                                                      environment: environment, health: state.health, logger: logger, observer: counting,
                                                      tokenObserver: counting?.tokenObserver)
            } catch {
                throw StartError(description: error.description)
            }
            let alerts: AlertSubsystem
            do {
                alerts = try AlertSubsystem(configuration: configuration, directories: directories, health: state.health, logger: logger,
                                            metrics: counting)
            } catch {
                await credentials.shutdown()
                throw StartError(description: "cannot start alerting: \(error)")
            }
            await alerts.loadOverrides(from: credentials.registry, logger: logger)
            let validation = ValidationService(registry: credentials.registry, credentials: credentials.service,
                                               settings: configuration.validation,
                                               maxResponseBytes: configuration.http.maxResponseBytes, network: configuration.network) { result in
                alerts.emit(topic: "webhook/validations") { result.logJSON }
                counting?.validated(code: result.key.code, status: result.status, at: result.checkedAt)
            }
            let delivery: DeliveryEngine
            do throws(StoreError) {
                delivery = try DeliveryEngine.make(configuration: configuration, directories: directories, credentials: credentials,
                                                   alerts: alerts, logger: logger)
            } catch {
                await validation.stop()
                await alerts.shutdown()
                await credentials.shutdown()
                throw StartError(description: "cannot open the delivery queue: \(error)")
            }
            let reporter = LifecycleReporter(notifier: SystemdNotifier(environment: environment), address: address, logger: logger)
            let reloader = ConfigurationReloader(state: state, reporter: reporter, reopenLogs: {
                credentials.reopenLogs()
                alerts.reopenLogs()
            }, logger: logger)
            let sandbox = SandboxService(enabled: configuration.sandboxEnabled, registry: credentials.registry, credentials: credentials.service,
                                         maxResponseBytes: configuration.http.maxResponseBytes)
            counting?.prepare(sources: Array(credentials.sources.keys), channels: alerts.dispatcher.channelNames)
            let exporter = MetricsExporter.make(metrics: metrics, state: state, credentials: credentials, alerts: alerts, delivery: delivery)
            let methods = MethodCatalogue.build(state: state, credentials: credentials, alerts: alerts, validation: validation,
                                                delivery: delivery, sandbox: sandbox, metrics: exporter, reloader: reloader, logger: logger)
            eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads ?? System.coreCount)
            let server = HookServer(group: eventLoops, dispatcher: RPCDispatcher(methods: methods, observer: counting), state: state, address: address,
                                    logger: logger, onServing: reporter.serving, onDraining: reporter.stopping)
            var services: [any Service] = credentials.services + alerts.services
            services.append(validation)
            services.append(delivery)
            services.append(sandbox)
            // The alert rules are judged every second, so alerts repeat and resolve when no calls arrive.
            services.append(PeriodicService(interval: .seconds(1), runsAtStart: false) { [engine = alerts.engine, dispatcher = alerts.dispatcher] in
                let events = engine.evaluate()
                if !events.isEmpty { dispatcher.submit(events) }
            })
            services.append(ReloadOnHangupService(reloader: reloader))
            if let interval = reporter.watchdogInterval {
                services.append(PeriodicService(interval: interval, runsAtStart: true, work: reporter.watchdog))
            }
            if let listen = configuration.metrics.listen {
                services.append(MetricsListener(group: eventLoops, host: listen.host, port: listen.port, exporter: exporter, logger: logger))
            }
            services.append(server)
            self.services = services
        }
    }

    /// `--socket` > `$HOOKD_SOCKET` > systemd's socket > `hookd.socket` > the conventional path.
    static func listenAddress(options: DaemonOptions, configuration: DaemonConfiguration, environment: [String: String], userID: UInt32) -> ListenAddress {
        let explicit = options.socketPath ?? environment["HOOKD_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let inherited = SystemdActivation.takeListeningDescriptor(environment: environment)
        if let explicit { return .unixSocket(path: explicit) }
        if let inherited { return .inheritedSocket(descriptor: inherited) }
        if let configured = configuration.socketPath { return .unixSocket(path: configured) }
        return .unixSocket(path: SocketPath.resolve(environment: environment, userID: userID, forClient: false))
    }

    private static func makeDirectory(_ path: String, mode: mode_t) -> Bool {
        (try? Directories.make(path, mode: mode)) != nil
    }
}
