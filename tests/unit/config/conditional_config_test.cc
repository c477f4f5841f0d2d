// Conditional lines (@ID, @^ID) and $PARAMETERS, with the examples of
// keepalived.conf(5) "ADVANCED CONFIGURATION" and what it says they give.
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "controlplane/config/parser.h"
#include "controlplane/config/preprocess.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<Config> ParseAs(const std::string& id, const std::string& text) {
  return ParseConfigText(text, "c.conf", ParseOptions{id});
}

std::vector<std::string> Strings(const std::vector<IpAddress>& ips) {
  std::vector<std::string> out;
  for (const IpAddress& ip : ips) out.push_back(ip.ToString());
  return out;
}

std::vector<std::string> Vips(const VrrpInstance& v) {
  std::vector<std::string> out;
  for (const VirtualIpAddress& vip : v.virtual_ipaddress) {
    out.push_back(absl::StrCat(vip.address.ToString(), "/", vip.prefix_len));
  }
  return out;
}

// The man page's first example.
constexpr char kRouterIds[] = R"(global_defs {
    @main   router_id main_router
    @backup router_id backup_router
}
vrrp_instance VRRP {
    interface eth0
    virtual_router_id 7
    virtual_ipaddress {
        10.0.0.1
    }
    @main    unicast_src_ip 1.2.3.4
    @backup  unicast_src_ip 1.2.3.5
    @backup2 unicast_src_ip 1.2.3.6
    unicast_peer {
        @^main    1.2.3.4
        @^backup  1.2.3.5
        @^backup2 1.2.3.6
    }
}
)";

TEST(ConditionalTest, ManPageRouterIdAndPeers) {
  absl::StatusOr<Config> c = ParseAs("main", kRouterIds);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.router_id, "main_router");
  // "The unicast peers for main will be 1.2.3.5 and 1.2.3.6."
  EXPECT_THAT(Strings(c->vrrp_instances[0].unicast_peer),
              ElementsAre("1.2.3.5", "1.2.3.6"));
  EXPECT_EQ(c->vrrp_instances[0].unicast_src_ip->ToString(), "1.2.3.4");

  c = ParseAs("backup", kRouterIds);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.router_id, "backup_router");
  EXPECT_EQ(c->vrrp_instances[0].unicast_src_ip->ToString(), "1.2.3.5");

  // "if not invoked with -i, or with -i anything else, then the router_id
  // will not be set".
  c = ParseAs("other", kRouterIds);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.router_id, "");
  EXPECT_FALSE(c->vrrp_instances[0].unicast_src_ip.has_value());
  EXPECT_EQ(c->vrrp_instances[0].unicast_peer.size(), 3u);
}

TEST(ConditionalTest, ColumnsOfAKeptLineAreThoseOfTheFile) {
  absl::StatusOr<Config> c =
      ParseAs("main", "global_defs {\n    @main   smtp_connect_timeout x\n}\n");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("c.conf:2:34: "));
}

TEST(ConditionalTest, BareConditionIsAnError) {
  absl::StatusOr<Config> c = ParseAs("main", "@main\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "c.conf:1:1: conditional line '@main' has no statement after its "
            "id");
  c = ParseAs("main", "  @ router_id x\n");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("c.conf:1:3: '@' needs"));
}

constexpr char kInstance[] = R"(
vrrp_instance VI_0 {
    interface eth0
    virtual_router_id 1
    priority $PRIORITY
    virtual_ipaddress {
        10.0.0.1
    }
}
)";

TEST(ParameterTest, ConditionalDefinition) {
  std::string text =
      absl::StrCat("@main $PRIORITY=240\n@backup $PRIORITY=200\n", kInstance);
  absl::StatusOr<Config> c = ParseAs("main", text);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->vrrp_instances[0].priority, 240);
  c = ParseAs("backup", text);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->vrrp_instances[0].priority, 200);
}

TEST(ParameterTest, ValueMayBeAConditionPrefix) {
  // "$IF_MAIN=@main / $IF_MAIN priority 240 will produce priority 240 if
  // the config_id is main and nothing if the config_id is not main".
  std::string text = R"($IF_MAIN=@main
vrrp_instance VI_0 {
    interface eth0
    virtual_router_id 1
    $IF_MAIN priority 240
    virtual_ipaddress {
        10.0.0.1
    }
}
)";
  absl::StatusOr<Config> c = ParseAs("main", text);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->vrrp_instances[0].priority, 240);
  c = ParseAs("other", text);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->vrrp_instances[0].priority, 100);  // the default
}

TEST(ParameterTest, ReplacementIsRecursiveAtUseTime) {
  // The man page: 10.2.0.100/32 then 10.2.10.100/32.
  absl::StatusOr<Config> c = ParseAs("x", R"(
vrrp_instance V {
    interface eth0
    virtual_router_id 1
    virtual_ipaddress {
        $ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}
        $ADDRESS_BASE_SUB=0
        ${ADDRESS_BASE}.100/32
        $ADDRESS_BASE_SUB=10
        ${ADDRESS_BASE}.100/32
    }
}
)");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(Vips(c->vrrp_instances[0]),
              ElementsAre("10.2.0.100/32", "10.2.10.100/32"));
}

TEST(ParameterTest, UndefinedParametersStayAsWritten) {
  absl::StatusOr<Config> c = ParseAs("x", R"($X=1
vrrp_instance V {
    interface eth0
    virtual_router_id $X
    notify_master "/bin/echo ${UNDEF_PARAMETER} $1 $X, ${X}"
}
)");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->vrrp_instances[0].notify_master,
            "/bin/echo ${UNDEF_PARAMETER} $1 1, 1");
}

TEST(ParameterTest, NoBlankBeforeEquals) {
  // "there must be no space before the '='": not a definition, so the line
  // is a statement whose keyword is not a parameter.
  absl::StatusOr<Config> c = ParseAs("x", "$X =1\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "c.conf:1:1: '$X' names no defined parameter (define it first "
            "with $NAME=VALUE)");
}

TEST(ParameterTest, MultiLineDefinitionExpandsToStatements) {
  // The man page's $INSTANCE example, less use_vmac (not in dsrlb).
  absl::StatusOr<Config> c = ParseAs("high", R"(
$INSTANCE= \
vrrp_instance VI_${NUM} { \
    interface eth0.${NUM} \
    virtual_router_id 1 \
    @high priority 130 \
    @low priority 120 \
    advert_int 1 \
    virtual_ipaddress { \
        10.0.${NUM}.254/24 \
    } \
}

$NUM=0
$INSTANCE

$NUM=1
$INSTANCE
)");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->vrrp_instances.size(), 2u);
  EXPECT_EQ(c->vrrp_instances[0].name, "VI_0");
  EXPECT_EQ(c->vrrp_instances[0].interface, "eth0.0");
  EXPECT_EQ(c->vrrp_instances[0].priority, 130);
  EXPECT_THAT(Vips(c->vrrp_instances[0]), ElementsAre("10.0.0.254/24"));
  EXPECT_EQ(c->vrrp_instances[1].name, "VI_1");
  EXPECT_EQ(c->vrrp_instances[1].interface, "eth0.1");
  EXPECT_THAT(Vips(c->vrrp_instances[1]), ElementsAre("10.0.1.254/24"));
  // Errors inside an expansion point at the line that used it.
}

TEST(ParameterTest, NestedMultiLineDefinitions) {
  // The man page's $VS / $RS example: "2 virtual servers, each with 3 real
  // servers" (DR on the virtual server's port, as dsrlb requires).
  absl::StatusOr<Config> c = ParseAs("x", R"(
$RS= \
real_server 192.168.${VS_NUM}.${RS_NUM} 80 { \
    weight 1 \
    inhibit_on_failure \
    MISC_CHECK { \
        misc_path "${_PWD}/scripts/vs.sh RS_misc.${VS_NUM}.${RS_NUM}" \
    } \
}

$VS= \
virtual_server 10.0.${VS_NUM}.4 80 { \
    lb_kind DR \
    quorum 2 \
    $RS_NUM=1 \
    $RS \
    $RS_NUM=2 \
    $RS \
    $RS_NUM=3 \
    $RS \
}

$VS_NUM=0
$VS

$VS_NUM=1
$VS
)");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->virtual_servers.size(), 2u);
  for (int vs = 0; vs < 2; ++vs) {
    const VirtualServer& v = c->virtual_servers[vs];
    EXPECT_EQ(v.address.ToString(), absl::StrCat("10.0.", vs, ".4"));
    ASSERT_EQ(v.real_servers.size(), 3u);
    for (int rs = 0; rs < 3; ++rs) {
      EXPECT_EQ(v.real_servers[rs].address.ToString(),
                absl::StrCat("192.168.", vs, ".", rs + 1));
      EXPECT_THAT(
          v.real_servers[rs].checkers[0].misc_path,
          HasSubstr(absl::StrCat("/scripts/vs.sh RS_misc.", vs, ".", rs + 1)));
    }
  }
}

TEST(ParameterTest, PredefinedPwdAndInstance) {
  testing::TempDir dir;
  std::string conf = dir.File("k.conf");
  std::ofstream(conf) << "global_defs {\n router_id ${_INSTANCE}\n}\n"
                         "vrrp_script s {\n script \"${_PWD}/check.sh\"\n}\n";
  absl::StatusOr<Config> c = LoadConfigFile(conf, ParseOptions{"lvs7"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.router_id, "lvs7");
  EXPECT_EQ(c->vrrp_scripts[0].script, dir.path() + "/check.sh");
}

TEST(ParameterTest, DefinitionsHoldAcrossIncludes) {
  testing::TempDir dir;
  std::ofstream(dir.File("defs.conf")) << "$ID=42\n@a $RID=from_a\n";
  std::ofstream(dir.File("main.conf"))
      << "include defs.conf\nglobal_defs {\n router_id ${RID}_$ID\n}\n";
  absl::StatusOr<Config> c =
      LoadConfigFile(dir.File("main.conf"), ParseOptions{"a"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.router_id, "from_a_42");
}

TEST(ParameterTest, DefaultConfigIdIsTheHostNamesFirstPart) {
  absl::StatusOr<Config> c =
      ParseConfigText("global_defs {\n router_id ${_INSTANCE}\n}\n", "c.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof(host) - 1), 0);
  std::string expected = host;
  expected = expected.substr(0, expected.find('.'));
  EXPECT_EQ(c->global.router_id, expected);
}

TEST(ParameterTest, SelfReferenceIsAnError) {
  absl::StatusOr<Config> c =
      ParseAs("x", "$A=x$A\nglobal_defs {\n router_id ${A}\n}\n");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("c.conf:3:"));
  EXPECT_THAT(c.status().message(), HasSubstr("does not end"));
}

TEST(ParameterTest, UnsupportedPredefinitionsAndSequencesAreNamed) {
  absl::StatusOr<Config> c =
      ParseAs("x", "global_defs {\n router_id r${_RANDOM}\n}\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "c.conf:2:13: ${_RANDOM} is not supported by dsrlb: define "
            "$_RANDOM=VALUE yourself");
  c = ParseAs("x", "~SEQ(N, 0, 3) $X=1\n");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              HasSubstr("c.conf:1:1: '~SEQ' lines are not supported"));
}

TEST(ParameterTest, CommentsAreNotExpanded) {
  absl::StatusOr<Config> c = ParseAs("x", R"($M= \
global_defs { \
}
# $M
global_defs {
 router_id a # $M
}
)");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.router_id, "a");
}

}  // namespace
}  // namespace dsrlb::config
