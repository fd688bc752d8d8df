import XCTest
import HummingbirdTesting
@testable import CohortServer
