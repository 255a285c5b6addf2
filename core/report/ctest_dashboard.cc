#include "core/report/ctest_dashboard.h"

#include <cstdio>
#include <string>

#include "core/report/xml.h"

namespace mprun::core {

namespace {

// Text inside an element, escaped as an attribute value is (line breaks as
// character references read back the same).
std::string Text(const std::string& s) { return XmlAttribute(s); }

void Measurement(std::string* x, const char* type, const char* name, const std::string& value) {
  *x += "\t\t\t\t<NamedMeasurement type=\"";
  *x += type;
  *x += "\" name=\"";
  *x += name;
  *x += "\">\n\t\t\t\t\t<Value>" + Text(value) + "</Value>\n\t\t\t\t</NamedMeasurement>\n";
}

std::string Seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", s);
  return text;
}

// ctest's short form of a path in Test.xml: a colon becomes '_' (a drive
// letter's, where ctest was written for Windows too).
std::string ShortPath(std::string path) {
  for (char& c : path) c = c == ':' ? '_' : c;
  return path;
}

void OneTest(std::string* x, const DashboardTest& t) {
  *x += "\t\t<Test Status=\"" + t.status + "\">\n";
  *x += "\t\t\t<Name>" + Text(t.name) + "</Name>\n";
  *x += "\t\t\t<Path>" + Text(ShortPath(t.path)) + "</Path>\n";
  *x += "\t\t\t<FullName>" + Text(ShortPath(t.path + "/" + t.name)) + "</FullName>\n";
  *x += "\t\t\t<FullCommandLine>" + Text(t.command_line) + "</FullCommandLine>\n";
  *x += "\t\t\t<Results>\n";
  if (!t.exit_code.empty()) Measurement(x, "text/string", "Exit Code", t.exit_code);
  if (t.seconds >= 0) Measurement(x, "numeric/double", "Execution Time", Seconds(t.seconds));
  Measurement(x, "numeric/double", "Processors", "1");
  Measurement(x, "text/string", "Completion Status", t.completion);
  Measurement(x, "text/string", "Command Line", t.command_line);
  *x += "\t\t\t\t<Measurement>\n\t\t\t\t\t<Value>" + Text(t.output) +
        "</Value>\n\t\t\t\t</Measurement>\n";
  *x += "\t\t\t</Results>\n";
  if (!t.labels.empty()) {
    *x += "\t\t\t<Labels>\n";
    for (const std::string& l : t.labels) *x += "\t\t\t\t<Label>" + Text(l) + "</Label>\n";
    *x += "\t\t\t</Labels>\n";
  }
  *x += "\t\t</Test>\n";
}

}  // namespace

std::string TestXml(const DashboardRun& run) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  auto attribute = [&x](const char* name, const std::string& value) {
    x += std::string("\t") + name + "=\"" + XmlAttribute(value) + "\"\n";
  };
  x += "<Site BuildName=\"(empty)\"\n";
  attribute("BuildStamp", run.stamp);
  attribute("Name", "(empty)");
  attribute("Generator", run.generator);
  attribute("OSName", run.os_name);
  attribute("Hostname", run.hostname);
  attribute("OSRelease", run.os_release);
  attribute("OSVersion", run.os_version);
  attribute("OSPlatform", run.os_platform);
  attribute("Is64Bits", sizeof(void*) == 8 ? "1" : "0");
  attribute("NumberOfLogicalCPU", std::to_string(run.logical_cpus));
  x += "\t>\n\t<Testing>\n";
  x += "\t\t<StartDateTime>" + Text(run.start_text) + "</StartDateTime>\n";
  x += "\t\t<StartTestTime>" + std::to_string(run.start_s) + "</StartTestTime>\n";
  x += "\t\t<TestList>\n";
  for (const DashboardTest& t : run.tests) {
    x += "\t\t\t<Test>" + Text(ShortPath(t.path + "/" + t.name)) + "</Test>\n";
  }
  x += "\t\t</TestList>\n";
  for (const DashboardTest& t : run.tests) OneTest(&x, t);
  x += "\t\t<EndDateTime>" + Text(run.end_text) + "</EndDateTime>\n";
  x += "\t\t<EndTestTime>" + std::to_string(run.end_s) + "</EndTestTime>\n";
  x += "\t\t<ElapsedMinutes>" + std::to_string((run.end_s - run.start_s) / 60) +
       "</ElapsedMinutes>\n";
  x += "\t</Testing>\n</Site>\n";
  return x;
}

std::string DashboardCommandLine(const std::vector<std::string>& argv) {
  std::string line;
  for (size_t i = 0; i < argv.size(); ++i) {
    line += i == 0 ? argv[i] : " \"" + argv[i] + "\"";
  }
  return line;
}

std::string TagFile(const std::string& tag, const std::string& model) {
  return tag + "\n" + model + "\n" + model + "\n";
}

}  // namespace mprun::core
